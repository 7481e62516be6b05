/**
 * The signature and XML attack catalogue (security-notes §2.1–2.4, public XSW research): every trick
 * that makes a verifier read something other than what the IdP signed is refused before a single
 * value is trusted. Where a library alone would be fooled, the test shows that first, so the refusal
 * is ours and not an accident.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { SignedXml } from 'xml-crypto';
import { createSelfSignedCertificate } from '../../../src/saml/keys/selfSignedCertificate';
import { judgeSamlResponse, type Judgement } from '../../../src/aws/rules';
import { verifyWithXmlsec1 } from '../../helpers/xmlsec';
import { NOW, NS_DS, NS_SAML, NS_SAMLP, RSN_ATTRIBUTE, b64, judge, only, parse, resign, ruleKit, serialize, sesameResponse, setAttribute } from './ruleKit';

const key = () => ruleKit().key.privateKey;

function assertSignatureRefused(judgement: Judgement, rule: string, message?: RegExp): void {
  const first = judgement.findings.find((f) => f.severity === 'error');
  assert.equal(judgement.accepted, false);
  assert.equal(judgement.session, null);
  assert.equal(first?.rule, rule, JSON.stringify(judgement.findings, null, 1));
  if (message) assert.match(first!.message, message);
}

/** xml-crypto on its own (fresh instance, registered certificate): what a naive verifier concludes. */
function xmlCryptoAloneAccepts(xml: string, which: 'Assertion' | 'Response'): boolean {
  const doc = parse(xml);
  const owner = which === 'Assertion' ? only(doc, NS_SAML, 'Assertion') : doc.documentElement!;
  const signature = Array.from(owner.childNodes).find((n) => n.nodeType === 1 && (n as Element).localName === 'Signature') as Element;
  const sig = new SignedXml({ publicCert: ruleKit().key.certPem });
  sig.loadSignature(signature);
  try {
    return sig.checkSignature(xml);
  } catch {
    return false;
  }
}

describe('signatures (S1, S2, S5)', () => {
  test('the re-signing helper produces signatures xmlsec1 verifies, so re-signed negatives test only their rule', async () => {
    const xml = resign(sesameResponse(), key(), (doc) => setAttribute(doc, RSN_ATTRIBUTE, ['bob']));
    assert.ok((await verifyWithXmlsec1(xml, ruleKit().key.certPem, { node: 'Assertion' })).ok);
    assert.ok((await verifyWithXmlsec1(xml, ruleKit().key.certPem, { node: 'Response' })).ok);
    assert.equal(judge(xml).accepted, true);
  });

  test('S1: a value changed after signing → InvalidIdentityToken "Response signature invalid"', () => {
    const judgement = judge(sesameResponse().replace('>alice<', '>mallory<'));
    assertSignatureRefused(judgement, 'S1', /changed after it was signed/);
    assert.deepEqual(judgement.rejection, { code: 'InvalidIdentityToken', httpStatus: 400, message: 'Response signature invalid' });
  });

  test('S1/S5, CVE-2024-32962: a response re-signed with another key and its certificate in KeyInfo is refused, naming the stranger', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const certPem = createSelfSignedCertificate({ privateKey, commonName: 'Mallory IdP', validDays: 2 });
    const forged = resign(sesameResponse(), privateKey, (doc) => setAttribute(doc, RSN_ATTRIBUTE, ['admin']), { keyInfoCertPem: certPem });
    assertSignatureRefused(judge(forged), 'S1', /CN=Mallory IdP.*not in the provider's metadata/s);
  });

  test('S1: only the Response signed, or nothing signed → refused (AWS wants the Assertion signed)', () => {
    assertSignatureRefused(judge(resign(sesameResponse(), key(), undefined, { signAssertion: false })), 'S1', /Only the Response is signed/);
    assertSignatureRefused(judge(resign(sesameResponse(), key(), undefined, { signAssertion: false, signResponse: false })), 'S1', /Neither/);
  });

  test('S1: a broken Response signature refuses the response even when the Assertion signature is good', () => {
    const xml = sesameResponse();
    const doc = parse(xml);
    const responseSignature = Array.from(doc.documentElement!.childNodes).find((n) => n.nodeType === 1 && (n as Element).localName === 'Signature') as Element;
    const value = only(responseSignature, NS_DS, 'SignatureValue');
    value.textContent = Buffer.from('x'.repeat(256)).toString('base64');
    assertSignatureRefused(judge(serialize(doc)), 'S1', /Response signature does not verify/);
  });

  test('S2: RSA-SHA1, a SHA-1 digest, or HMAC keyed with the public certificate (GHSA-c27r-x354-4m68) → refused', () => {
    assertSignatureRefused(judge(resign(sesameResponse(), key(), undefined, { signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1' })), 'S2', /rsa-sha1/);
    assertSignatureRefused(judge(resign(sesameResponse(), key(), undefined, { digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1' })), 'S2', /digest/);
    const unsigned = resign(sesameResponse(), key(), undefined, { signAssertion: false, signResponse: false });
    const hmac = new SignedXml({ privateKey: ruleKit().key.certPem, canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' });
    hmac.enableHMAC();
    hmac.signatureAlgorithm = 'http://www.w3.org/2000/09/xmldsig#hmac-sha1';
    const assertionPath = "/*[local-name()='Response']/*[local-name()='Assertion']";
    hmac.addReference({ xpath: assertionPath, transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'], digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256' });
    hmac.computeSignature(unsigned, { prefix: 'ds', location: { reference: `${assertionPath}/*[local-name()='Issuer']`, action: 'after' } });
    assertSignatureRefused(judge(hmac.getSignedXml()), 'S2', /hmac-sha1/);
  });
});

describe('signature wrapping (XSW) and where signatures may sit', () => {
  test('XSW: a forged Assertion next to the signed one → R2 (exactly one Assertion)', () => {
    const doc = parse(sesameResponse());
    const assertion = only(doc, NS_SAML, 'Assertion');
    const evil = assertion.cloneNode(true) as Element;
    evil.setAttribute('ID', '_evil');
    doc.documentElement!.appendChild(evil);
    assertSignatureRefused(judge(serialize(doc)), 'R2');
  });

  test('XSW: the signed Assertion hidden in samlp:Extensions and a forged one in its place → R2', () => {
    const doc = parse(sesameResponse({ signResponse: false }));
    const assertion = only(doc, NS_SAML, 'Assertion');
    const extensions = doc.createElementNS(NS_SAMLP, 'samlp:Extensions');
    const forged = assertion.cloneNode(true) as Element;
    doc.documentElement!.insertBefore(extensions, assertion);
    extensions.appendChild(assertion);
    doc.documentElement!.appendChild(forged);
    assertSignatureRefused(judge(serialize(doc)), 'R2');
  });

  test('XSW: a Reference pointing at another element than its own → S1', () => {
    const doc = parse(sesameResponse());
    const assertion = only(doc, NS_SAML, 'Assertion');
    const reference = Array.from(assertion.getElementsByTagNameNS(NS_DS, 'Reference') as unknown as ArrayLike<Element>)[0]!;
    reference.setAttribute('URI', `#${doc.documentElement!.getAttribute('ID')}`);
    assertSignatureRefused(judge(serialize(doc)), 'S1', /not its own element/);
  });

  test('a ds:Signature anywhere else (inside an AttributeValue) → S1', () => {
    const doc = parse(sesameResponse());
    const signature = Array.from(only(doc, NS_SAML, 'Assertion').childNodes).find((n) => n.nodeType === 1 && (n as Element).localName === 'Signature')!;
    const value = Array.from(doc.getElementsByTagNameNS(NS_SAML, 'AttributeValue') as unknown as ArrayLike<Element>)[0]!;
    value.appendChild(signature.cloneNode(true));
    assertSignatureRefused(judge(serialize(doc)), 'S1', /outside the places SAML allows/);
  });

  test('two elements with the Assertion\'s ID → the signature does not verify', () => {
    const doc = parse(sesameResponse({ signResponse: false }));
    const id = only(doc, NS_SAML, 'Assertion').getAttribute('ID')!;
    const extensions = doc.createElementNS(NS_SAMLP, 'samlp:Extensions');
    extensions.setAttribute('ID', id);
    doc.documentElement!.insertBefore(extensions, only(doc, NS_SAML, 'Assertion'));
    assertSignatureRefused(judge(serialize(doc)), 'S1');
  });

  test('EncryptedAssertion → X1 (only AWS holds the key)', () => {
    const doc = parse(sesameResponse({ signResponse: false }));
    const assertion = only(doc, NS_SAML, 'Assertion');
    const encrypted = doc.createElementNS(NS_SAML, 'saml:EncryptedAssertion');
    doc.documentElement!.replaceChild(encrypted, assertion);
    assertSignatureRefused(judge(serialize(doc)), 'X1');
  });
});

describe('parser differentials: what is signed must be what is read (R5, security-notes §2.1–2.2)', () => {
  test('OneUptime #2988: a processing instruction inside a signed value fools xml-crypto 6.3.2 alone, and is refused here', () => {
    const xml = sesameResponse({ signResponse: false }).replace('>alice<', '><?p not-?>alice<');
    assert.equal(xmlCryptoAloneAccepts(xml, 'Assertion'), false, 'sanity: inserting the PI text changes the digest of the original');
    // The attack: sign "not-alice", then hide "not-" in a PI so the DOM reads "alice".
    const signedNotAlice = resign(sesameResponse(), key(), (doc) => setAttribute(doc, RSN_ATTRIBUTE, ['not-alice']), { signResponse: false });
    const attack = signedNotAlice.replace('>not-alice<', '><?p not-?>alice<');
    assert.equal(xmlCryptoAloneAccepts(attack, 'Assertion'), true, 'xml-crypto 6.3.2 verifies the PI-split value');
    assertSignatureRefused(judge(attack), 'R5', /processing instruction/);
  });

  test('comment truncation (Duo 2018): a comment splitting a signed value is refused, although the signature stays valid', () => {
    const attack = sesameResponse({ signResponse: false }).replace('>alice<', '>ali<!---->ce<');
    assert.equal(xmlCryptoAloneAccepts(attack, 'Assertion'), true, 'exclusive C14N drops comments, so the signature still verifies');
    assertSignatureRefused(judge(attack), 'R5', /comment inside <saml:AttributeValue>/);
  });

  test('a DOCTYPE (with or without entities), an undefined entity, two roots → R5', () => {
    const xml = sesameResponse();
    assertSignatureRefused(judge(`<!DOCTYPE r [<!ENTITY e "alice">]>${xml}`), 'R5', /DOCTYPE/);
    assertSignatureRefused(judge(`<!DOCTYPE samlp:Response>${xml}`), 'R5', /DOCTYPE/);
    assertSignatureRefused(judge(xml.replace('>alice<', '>&e;<')), 'R5', /entity/);
    assertSignatureRefused(judge(`${xml}<x/>`), 'R5');
  });

  test('elements nested thousands deep (recursion exhaustion, security-notes §2.2) → R5, before any canonicalization', () => {
    const depth = 5000;
    const deep = sesameResponse().replace('>alice<', `>${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}<`);
    assertSignatureRefused(judge(deep), 'R5', /nests elements 65 deep; at most 64/);
  });

  test('a BOM, or an encoding other than UTF-8 → R5', () => {
    assertSignatureRefused(judge(`\uFEFF${sesameResponse()}`), 'R5', /byte-order mark/);
    assertSignatureRefused(judge(`<?xml version="1.0" encoding="ISO-8859-1"?>${sesameResponse()}`), 'R5', /encoding/);
    assert.equal(judge(`<?xml version="1.0" encoding="UTF-8"?>\n${sesameResponse()}`).accepted, true, 'an XML declaration for UTF-8 is fine');
  });
});

describe('transport encoding (E1, P1, R5)', () => {
  const judgeValue = (samlResponse: string) => judgeSamlResponse({ samlResponse, provider: ruleKit().provider, now: NOW });

  test('deflated, URL-safe or broken base64 → R5; line breaks only warn', () => {
    const xml = sesameResponse();
    assertSignatureRefused(judgeValue(deflateRawSync(Buffer.from(xml)).toString('base64')), 'R5', /deflated/);
    const standard = b64(xml);
    assert.match(standard, /[+/]/);
    assertSignatureRefused(judgeValue(standard.replace(/\+/g, '-').replace(/\//g, '_')), 'R5', /URL-safe/);
    assertSignatureRefused(judgeValue(standard.slice(0, -3) + '!!!'), 'R5', /not valid base64/);
    const wrapped = judgeValue(standard.replace(/(.{76})/g, '$1\n'));
    assert.equal(wrapped.accepted, true);
    assert.deepEqual(wrapped.findings.map((f) => f.rule), ['R5']);
  });

  test('P1: more than 100,000 base64 characters → ValidationError', () => {
    const judgement = judgeValue('A'.repeat(100_004));
    assertSignatureRefused(judgement, 'P1');
    assert.equal(judgement.rejection?.code, 'ValidationError');
  });

  test('a document that is not a samlp:Response → R1', () => {
    assertSignatureRefused(judgeValue(b64('<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x" Version="2.0"/>')), 'R1');
  });
});
