import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildSignedResponse, STATUS_SUCCESS, type ResponseInput } from '../../src/saml/buildResponse';
import { ALG_ENVELOPED, ALG_EXC_C14N, ALG_RSA_SHA256, ALG_SHA256 } from '../../src/saml/xmlDsig';
import { XmlValueError } from '../../src/saml/xmlText';
import { verifyWithXmlsec1, XMLSEC1_BINARY } from '../helpers/xmlsec';
import { execFileSync } from 'node:child_process';
import {
  assertionText,
  AWS_ACS,
  AWS_AUDIENCE,
  awsResponseInput,
  canonicalizeWithXmlCrypto,
  childElements,
  descendants,
  DSIG_NS,
  IDP_ENTITY_ID,
  makeSigningKey,
  onlyChild,
  ownSignature,
  parseStrict,
  ROLE_ATTRIBUTE,
  SAML_NS,
  SAMLP_NS,
  signedOwner,
  verifyWithXmlCrypto,
  withoutSignature,
  type TestSigningKey,
} from './samlTestKit';

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Every character class C14N treats specially, plus non-ASCII and the CDATA terminator. */
const TRICKY_VALUES: Array<[label: string, value: string]> = [
  ['ampersand', 'R&D'],
  ['less-than', 'a<b'],
  ['greater-than', 'a>b'],
  ['double quote', 'say "hi"'],
  ['apostrophe', "O'Brien"],
  ['tab', 'col1\tcol2'],
  ['carriage return', 'line1\rline2'],
  ['line feed', 'line1\nline2'],
  ['CRLF', 'line1\r\nline2'],
  ['u-umlaut', 'Müller'],
  ['emoji (astral plane)', 'key 🔑 ok'],
  ['CDATA terminator', 'x]]>y'],
  ['entity-looking text', '&amp; &#x41; &lt;'],
  ['everything at once', `&<>"'\t\r\n ü 😀 ]]> &amp;`],
];

/** Puts `value` into text nodes and attribute values throughout the assertion. */
function inputCarrying(value: string, signResponse = true): ResponseInput {
  return awsResponseInput({
    signResponse,
    nameId: {
      value: `nameid ${value}`,
      format: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      nameQualifier: `nq ${value}`,
      spNameQualifier: `spnq ${value}`,
    },
    sessionIndex: `_idx ${value}`,
    attributes: [
      { name: ROLE_ATTRIBUTE, values: ['arn:aws:iam::111122223333:role/Admin,arn:aws:iam::111122223333:saml-provider/Sesame'] },
      { name: `urn:test:${value}`, friendlyName: `friendly ${value}`, nameFormat: `urn:fmt:${value}`, values: [value, `second ${value}`] },
    ],
  });
}

function attr(el: Element, name: string): string {
  assert.ok(el.hasAttribute(name), `${el.tagName} has no ${name} attribute`);
  return el.getAttribute(name)!;
}

describe('buildSignedResponse: signatures verify with independent implementations (S1, S2)', () => {
  let key: TestSigningKey;
  before(() => {
    key = makeSigningKey();
  });

  it('S1: xml-crypto 6.3.2 verifies the Assertion signature against our certificate only', () => {
    const built = buildSignedResponse(awsResponseInput(), key.signer);
    const verdict = verifyWithXmlCrypto(built.xml, key.certPem, 'Assertion');
    assert.equal(verdict.valid, true);
    assert.deepEqual(verdict.referenceUris, [`#${built.assertionId}`]);
    assert.equal(verdict.signedReferences.length, 1);
    assert.equal(verdict.signedReferences[0], withoutSignature(assertionText(built.xml)), 'what was signed is the assertion we sent');
  });

  it('S1: xml-crypto 6.3.2 verifies the Response signature (signResponse: true), which covers the signed Assertion', () => {
    const built = buildSignedResponse(awsResponseInput({ signResponse: true }), key.signer);
    const verdict = verifyWithXmlCrypto(built.xml, key.certPem, 'Response');
    assert.equal(verdict.valid, true);
    assert.deepEqual(verdict.referenceUris, [`#${built.responseId}`]);
    assert.equal(verdict.signedReferences[0], withoutSignature(built.xml));
    assert.ok(verdict.signedReferences[0]!.includes(assertionText(built.xml)), 'the Response digest covers the Assertion with its signature');
  });

  it('signatures made with another key do not verify against our certificate', () => {
    const other = makeSigningKey('someone else');
    const built = buildSignedResponse(awsResponseInput(), other.signer);
    assert.throws(() => verifyWithXmlCrypto(built.xml, key.certPem, 'Assertion'), /invalid signature/);
    assert.throws(() => verifyWithXmlCrypto(built.xml, key.certPem, 'Response'), /invalid signature/);
  });

  it('a changed character in the signed Assertion breaks both signatures', () => {
    const built = buildSignedResponse(awsResponseInput(), key.signer);
    const tampered = built.xml.replace('role/Admin,', 'role/Admim,');
    assert.notEqual(tampered, built.xml);
    assert.equal(verifyWithXmlCrypto(tampered, key.certPem, 'Assertion').valid, false);
    assert.equal(verifyWithXmlCrypto(tampered, key.certPem, 'Response').valid, false);
  });

  it('signResponse: false gives a signed Assertion inside an unsigned Response (S1)', () => {
    const built = buildSignedResponse(awsResponseInput({ signResponse: false }), key.signer);
    const doc = parseStrict(built.xml);
    assert.equal(ownSignature(doc, 'Response'), null);
    assert.equal(descendants(doc, DSIG_NS, 'Signature').length, 1);
    assert.ok(ownSignature(doc, 'Assertion'));
    assert.equal(verifyWithXmlCrypto(built.xml, key.certPem, 'Assertion').valid, true);
  });

  it('each response gets fresh Response and Assertion IDs (xs:ID, "_" + 160 bits)', () => {
    const a = buildSignedResponse(awsResponseInput(), key.signer);
    const b = buildSignedResponse(awsResponseInput(), key.signer);
    for (const id of [a.responseId, a.assertionId, b.responseId, b.assertionId]) assert.match(id, /^_[0-9a-f]{40}$/);
    assert.equal(new Set([a.responseId, a.assertionId, b.responseId, b.assertionId]).size, 4);
  });
});

describe('buildSignedResponse: the text we emit IS exclusive C14N, so our digest is the digest (S2)', () => {
  let key: TestSigningKey;
  before(() => {
    key = makeSigningKey();
  });

  for (const [label, value] of TRICKY_VALUES) {
    it(`values with ${label}: xml-crypto's C14N of the Assertion and the Response equals our text, and both digests match`, () => {
      const built = buildSignedResponse(inputCarrying(value), key.signer);

      const assertion = canonicalizeWithXmlCrypto(built.xml, 'Assertion');
      assert.equal(assertion.canonical, withoutSignature(assertionText(built.xml)));
      assert.equal(assertion.ourDigest, assertion.digest);

      const response = canonicalizeWithXmlCrypto(built.xml, 'Response');
      assert.equal(response.canonical, withoutSignature(built.xml));
      assert.equal(response.ourDigest, response.digest);

      assert.equal(verifyWithXmlCrypto(built.xml, key.certPem, 'Assertion').valid, true);
      assert.equal(verifyWithXmlCrypto(built.xml, key.certPem, 'Response').valid, true);
    });
  }

  it(
    'a value with U+0085 (NEL) or U+2028 (LINE SEPARATOR) is either refused or still verifies with xml-crypto (Node SPs)',
    () => {
      for (const char of ['\u0085', '\u2028']) {
        let built;
        try {
          built = buildSignedResponse(awsResponseInput({ attributes: [{ name: ROLE_ATTRIBUTE, values: [`a${char}b`] }] }), key.signer);
        } catch (error) {
          assert.ok(error instanceof XmlValueError, String(error));
          continue;
        }
        assert.equal(verifyWithXmlCrypto(built.xml, key.certPem, 'Assertion').valid, true, `U+${char.charCodeAt(0).toString(16)}`);
      }
    },
  );

  it('the values read back from the parsed XML are exactly the values we put in (no injection, no loss)', () => {
    const value = TRICKY_VALUES[TRICKY_VALUES.length - 1]![1];
    const built = buildSignedResponse(inputCarrying(value), key.signer);
    const doc = parseStrict(built.xml);
    const nameId = descendants(doc, SAML_NS, 'NameID')[0]!;
    assert.equal(nameId.textContent, `nameid ${value}`);
    assert.equal(nameId.getAttribute('NameQualifier'), `nq ${value}`);
    assert.equal(nameId.getAttribute('SPNameQualifier'), `spnq ${value}`);
    const attributes = descendants(doc, SAML_NS, 'Attribute');
    assert.equal(attributes.length, 2, 'no attribute was injected');
    const custom = attributes[1]!;
    assert.equal(custom.getAttribute('Name'), `urn:test:${value}`);
    assert.equal(custom.getAttribute('FriendlyName'), `friendly ${value}`);
    assert.deepEqual(
      childElements(custom, SAML_NS, 'AttributeValue').map((v) => v.textContent),
      [value, `second ${value}`],
    );
  });
});

describe('buildSignedResponse: xmlsec1 (libxmlsec1) verifies what we sign', () => {
  let key: TestSigningKey;
  let xmlsecAvailable = true;
  before(() => {
    key = makeSigningKey();
    try {
      execFileSync(XMLSEC1_BINARY, ['--version'], { stdio: 'ignore' });
    } catch {
      xmlsecAvailable = false;
    }
  });

  it('S1: xmlsec1 verifies the Assertion and the Response signature of a plain AWS response', async (t) => {
    if (!xmlsecAvailable) return t.skip(`${XMLSEC1_BINARY} not installed`);
    const built = buildSignedResponse(awsResponseInput(), key.signer);
    for (const node of ['Assertion', 'Response'] as const) {
      const result = await verifyWithXmlsec1(built.xml, key.certPem, { node });
      assert.equal(result.ok, true, result.output);
    }
  });

  it('xmlsec1 verifies both signatures when values carry & < > " \' TAB CR LF, ü, emoji and ]]>', async (t) => {
    if (!xmlsecAvailable) return t.skip(`${XMLSEC1_BINARY} not installed`);
    const built = buildSignedResponse(inputCarrying(TRICKY_VALUES[TRICKY_VALUES.length - 1]![1]), key.signer);
    for (const node of ['Assertion', 'Response'] as const) {
      const result = await verifyWithXmlsec1(built.xml, key.certPem, { node });
      assert.equal(result.ok, true, result.output);
    }
  });

  it('xmlsec1 verifies the Assertion signature when the Response is unsigned', async (t) => {
    if (!xmlsecAvailable) return t.skip(`${XMLSEC1_BINARY} not installed`);
    const built = buildSignedResponse(awsResponseInput({ signResponse: false }), key.signer);
    const result = await verifyWithXmlsec1(built.xml, key.certPem, { node: 'Assertion' });
    assert.equal(result.ok, true, result.output);
  });

  it('xmlsec1 refuses a response signed by another key', async (t) => {
    if (!xmlsecAvailable) return t.skip(`${XMLSEC1_BINARY} not installed`);
    const built = buildSignedResponse(awsResponseInput(), makeSigningKey('other').signer);
    const result = await verifyWithXmlsec1(built.xml, key.certPem, { node: 'Assertion' });
    assert.equal(result.ok, false, result.output);
  });
});

describe('buildSignedResponse: values XML cannot carry are refused, never emitted', () => {
  let key: TestSigningKey;
  before(() => {
    key = makeSigningKey();
  });

  const forbidden: Array<[string, string]> = [
    ['U+0001 control character', 'a\u0001b'],
    ['NUL', 'a\u0000b'],
    ['lone high surrogate', 'a\uD800b'],
    ['lone low surrogate', 'a\uDC00b'],
    ['reversed surrogate pair', 'a\uDC00\uD800b'],
    ['U+FFFE non-character', 'a\uFFFEb'],
  ];

  for (const [label, bad] of forbidden) {
    it(`a ${label} in an AttributeValue, the NameID, an attribute Name or the Issuer throws XmlValueError`, () => {
      const cases: ResponseInput[] = [
        awsResponseInput({ attributes: [{ name: ROLE_ATTRIBUTE, values: [bad] }] }),
        awsResponseInput({ nameId: { value: bad, format: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent' } }),
        awsResponseInput({ attributes: [{ name: bad, values: ['x'] }] }),
        awsResponseInput({ issuer: bad }),
        awsResponseInput({ sessionIndex: bad }),
      ];
      for (const input of cases) assert.throws(() => buildSignedResponse(input, key.signer), XmlValueError);
    });
  }
});

describe('buildSignedResponse: shape AWS and its clients expect', () => {
  let key: TestSigningKey;
  let input: ResponseInput;
  let xml: string;
  let doc: Document;
  let built: ReturnType<typeof buildSignedResponse>;
  before(() => {
    key = makeSigningKey();
    input = awsResponseInput();
    built = buildSignedResponse(input, key.signer);
    xml = built.xml;
    doc = parseStrict(xml);
  });

  it('R1: samlp:Response Version 2.0 with ID, IssueInstant, Destination, Issuer = entity ID and Success status', () => {
    const response = signedOwner(doc, 'Response');
    assert.equal(response.prefix, 'samlp');
    assert.equal(attr(response, 'Version'), '2.0');
    assert.equal(attr(response, 'ID'), built.responseId);
    assert.equal(attr(response, 'Destination'), AWS_ACS);
    assert.equal(onlyChild(response, SAML_NS, 'Issuer').textContent, IDP_ENTITY_ID);
    const status = onlyChild(response, SAMLP_NS, 'Status');
    assert.equal(attr(onlyChild(status, SAMLP_NS, 'StatusCode'), 'Value'), STATUS_SUCCESS);
    assert.deepEqual(
      childElements(response).map((el) => el.localName),
      ['Issuer', 'Signature', 'Status', 'Assertion'],
    );
  });

  it('R5: no XML declaration, DTD or BOM; the document is one root element', () => {
    assert.ok(xml.startsWith('<samlp:Response '));
    assert.ok(!xml.includes('<!DOCTYPE'));
    assert.notEqual(xml.charCodeAt(0), 0xfeff);
    assert.ok(xml.endsWith('</samlp:Response>'));
  });

  it('R2: exactly one Assertion, children in schema order Issuer, Signature, Subject, Conditions, AuthnStatement, AttributeStatement', () => {
    assert.equal(descendants(doc, SAML_NS, 'Assertion').length, 1);
    assert.equal(descendants(doc, SAML_NS, 'EncryptedAssertion').length, 0);
    const assertion = signedOwner(doc, 'Assertion');
    assert.equal(attr(assertion, 'ID'), built.assertionId);
    assert.equal(attr(assertion, 'Version'), '2.0');
    assert.deepEqual(
      childElements(assertion).map((el) => `${el.namespaceURI === DSIG_NS ? 'ds' : 'saml'}:${el.localName}`),
      ['saml:Issuer', 'ds:Signature', 'saml:Subject', 'saml:Conditions', 'saml:AuthnStatement', 'saml:AttributeStatement'],
    );
    assert.equal(onlyChild(assertion, SAML_NS, 'Issuer').textContent, IDP_ENTITY_ID, 'Assertion Issuer = Response Issuer (R1)');
  });

  it('R3: Subject carries the NameID with its format', () => {
    const subject = onlyChild(signedOwner(doc, 'Assertion'), SAML_NS, 'Subject');
    const nameId = onlyChild(subject, SAML_NS, 'NameID');
    assert.equal(nameId.textContent, input.nameId.value);
    assert.equal(attr(nameId, 'Format'), input.nameId.format);
  });

  it('E3: one bearer SubjectConfirmation whose one SubjectConfirmationData has NotOnOrAfter and Recipient', () => {
    const subject = onlyChild(signedOwner(doc, 'Assertion'), SAML_NS, 'Subject');
    const confirmation = onlyChild(subject, SAML_NS, 'SubjectConfirmation');
    assert.equal(attr(confirmation, 'Method'), BEARER);
    const data = onlyChild(confirmation, SAML_NS, 'SubjectConfirmationData');
    assert.equal(attr(data, 'Recipient'), AWS_ACS);
    assert.match(attr(data, 'NotOnOrAfter'), ISO_Z);
  });

  it('E5: Response Destination equals SubjectConfirmationData Recipient', () => {
    const data = descendants(doc, SAML_NS, 'SubjectConfirmationData')[0]!;
    assert.equal(attr(signedOwner(doc, 'Response'), 'Destination'), attr(data, 'Recipient'));
  });

  it('E6: exactly one Conditions/AudienceRestriction/Audience with the configured audience', () => {
    const conditions = onlyChild(signedOwner(doc, 'Assertion'), SAML_NS, 'Conditions');
    const restriction = onlyChild(conditions, SAML_NS, 'AudienceRestriction');
    assert.equal(onlyChild(restriction, SAML_NS, 'Audience').textContent, AWS_AUDIENCE);
    assert.equal(descendants(doc, SAML_NS, 'Audience').length, 1);
  });

  it('E9: IdP-initiated responses carry no InResponseTo anywhere', () => {
    assert.ok(!xml.includes('InResponseTo'));
  });

  it('InResponseTo, when given for SP-initiated SSO, appears on the Response and the SubjectConfirmationData and still verifies', () => {
    const withRequest = buildSignedResponse(awsResponseInput({ inResponseTo: '_req-42' }), key.signer);
    const d = parseStrict(withRequest.xml);
    assert.equal(attr(signedOwner(d, 'Response'), 'InResponseTo'), '_req-42');
    assert.equal(attr(descendants(d, SAML_NS, 'SubjectConfirmationData')[0]!, 'InResponseTo'), '_req-42');
    assert.equal(verifyWithXmlCrypto(withRequest.xml, key.certPem, 'Assertion').valid, true);
    assert.equal(verifyWithXmlCrypto(withRequest.xml, key.certPem, 'Response').valid, true);
  });

  it('T4: IssueInstant = now (not backdated), NotBefore = now − skew, both NotOnOrAfter = now + lifetime', () => {
    const now = input.now.getTime();
    const response = signedOwner(doc, 'Response');
    const assertion = signedOwner(doc, 'Assertion');
    const conditions = onlyChild(assertion, SAML_NS, 'Conditions');
    const data = descendants(doc, SAML_NS, 'SubjectConfirmationData')[0]!;
    assert.equal(attr(response, 'IssueInstant'), input.now.toISOString());
    assert.equal(attr(assertion, 'IssueInstant'), input.now.toISOString());
    assert.equal(attr(conditions, 'NotBefore'), new Date(now - 60_000).toISOString());
    const expiry = new Date(now + 300_000).toISOString();
    assert.equal(attr(conditions, 'NotOnOrAfter'), expiry);
    assert.equal(attr(data, 'NotOnOrAfter'), expiry);
    assert.equal(built.notOnOrAfter.toISOString(), expiry);
  });

  it('T4: skew and lifetime follow the input (e.g. 30 s skew, 120 s lifetime)', () => {
    const now = new Date('2027-01-01T00:00:00.000Z');
    const d = parseStrict(buildSignedResponse(awsResponseInput({ now, notBeforeSkewSeconds: 30, lifetimeSeconds: 120 }), key.signer).xml);
    const conditions = descendants(d, SAML_NS, 'Conditions')[0]!;
    assert.equal(attr(conditions, 'NotBefore'), '2026-12-31T23:59:30.000Z');
    assert.equal(attr(conditions, 'NotOnOrAfter'), '2027-01-01T00:02:00.000Z');
  });

  it('T7: every timestamp is xs:dateTime in UTC ending in Z', () => {
    const sessionXml = buildSignedResponse(awsResponseInput({ sessionNotOnOrAfter: new Date('2026-11-24T18:00:00Z') }), key.signer).xml;
    const stamps = [...sessionXml.matchAll(/ (IssueInstant|NotBefore|NotOnOrAfter|AuthnInstant|SessionNotOnOrAfter)="([^"]*)"/g)];
    assert.ok(stamps.length >= 7, `found ${stamps.length} timestamps`);
    for (const [, name, value] of stamps) assert.match(value!, ISO_Z, `${name}=${value}`);
    assert.ok(stamps.some(([, name]) => name === 'SessionNotOnOrAfter'));
  });

  it('AuthnStatement carries AuthnInstant, SessionIndex and the AuthnContextClassRef', () => {
    const statement = onlyChild(signedOwner(doc, 'Assertion'), SAML_NS, 'AuthnStatement');
    assert.equal(attr(statement, 'AuthnInstant'), input.authnInstant.toISOString());
    assert.equal(attr(statement, 'SessionIndex'), input.sessionIndex);
    assert.ok(!statement.hasAttribute('SessionNotOnOrAfter'), 'T6: only emitted when asked for');
    const context = onlyChild(statement, SAML_NS, 'AuthnContext');
    assert.equal(onlyChild(context, SAML_NS, 'AuthnContextClassRef').textContent, input.authnContextClassRef);
  });

  it('A1/A8: one Attribute element per attribute, one AttributeValue per value, NameFormat kept', () => {
    const statement = onlyChild(signedOwner(doc, 'Assertion'), SAML_NS, 'AttributeStatement');
    const attributes = childElements(statement, SAML_NS, 'Attribute');
    assert.deepEqual(attributes.map((a) => a.getAttribute('Name')), input.attributes.map((a) => a.name));
    for (const [i, el] of attributes.entries()) {
      assert.equal(el.getAttribute('NameFormat'), input.attributes[i]!.nameFormat);
      assert.deepEqual(childElements(el, SAML_NS, 'AttributeValue').map((v) => v.textContent), input.attributes[i]!.values);
    }
  });

  it('no AttributeStatement at all when there are no attributes (an empty one is schema-invalid)', () => {
    const d = parseStrict(buildSignedResponse(awsResponseInput({ attributes: [] }), key.signer).xml);
    assert.equal(descendants(d, SAML_NS, 'AttributeStatement').length, 0);
  });

  it('R4: one "saml" prefix for every element of the assertion namespace; no default namespace anywhere', () => {
    const assertion = signedOwner(doc, 'Assertion');
    const all = assertion.getElementsByTagName('*');
    const elements: Element[] = [assertion];
    for (let i = 0; i < all.length; i++) elements.push(all[i]!);
    for (const el of elements) {
      if (el.namespaceURI === SAML_NS) assert.equal(el.prefix, 'saml', el.tagName);
      else assert.equal(el.namespaceURI, DSIG_NS, `unexpected namespace on ${el.tagName}`);
    }
    const text = assertionText(xml);
    assert.deepEqual([...text.matchAll(/xmlns(:\w+)?="urn:oasis:names:tc:SAML:2\.0:assertion"/g)].map((m) => m[1]), [':saml']);
    assert.ok(!/xmlns="/.test(xml), 'no default namespace declaration');
  });

  it('S2: both signatures use rsa-sha256, sha256, exclusive C14N with enveloped-signature + exc-c14n transforms', () => {
    for (const [which, id] of [['Assertion', built.assertionId], ['Response', built.responseId]] as const) {
      const signature = ownSignature(doc, which)!;
      const signedInfo = onlyChild(signature, DSIG_NS, 'SignedInfo');
      assert.equal(attr(onlyChild(signedInfo, DSIG_NS, 'CanonicalizationMethod'), 'Algorithm'), ALG_EXC_C14N);
      assert.equal(attr(onlyChild(signedInfo, DSIG_NS, 'SignatureMethod'), 'Algorithm'), ALG_RSA_SHA256);
      const reference = onlyChild(signedInfo, DSIG_NS, 'Reference');
      assert.equal(attr(reference, 'URI'), `#${id}`, `${which} Reference URI = #<${which} ID> (S1)`);
      const transforms = childElements(onlyChild(reference, DSIG_NS, 'Transforms'), DSIG_NS, 'Transform').map((t) => t.getAttribute('Algorithm'));
      assert.deepEqual(transforms, [ALG_ENVELOPED, ALG_EXC_C14N]);
      assert.equal(attr(onlyChild(reference, DSIG_NS, 'DigestMethod'), 'Algorithm'), ALG_SHA256);
      assert.match(onlyChild(reference, DSIG_NS, 'DigestValue').textContent ?? '', /^[A-Za-z0-9+/]{43}=$/);
      assert.match(onlyChild(signature, DSIG_NS, 'SignatureValue').textContent ?? '', /^[A-Za-z0-9+/]{342}==$/);
    }
    assert.ok(!xml.includes('rsa-sha1') && !xml.includes('xmldsig#sha1') && !xml.includes('WithComments'));
  });

  it('S3: KeyInfo carries our certificate as one base64 line, and nothing a verifier could take a key from', () => {
    for (const which of ['Assertion', 'Response'] as const) {
      const keyInfo = onlyChild(ownSignature(doc, which)!, DSIG_NS, 'KeyInfo');
      const x509 = onlyChild(onlyChild(keyInfo, DSIG_NS, 'X509Data'), DSIG_NS, 'X509Certificate');
      assert.equal(x509.textContent, key.certBase64);
      assert.equal(descendants(keyInfo, DSIG_NS, 'KeyValue').length, 0);
    }
  });
});
