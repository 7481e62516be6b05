/**
 * Self-test of the independent verifiers, run before Sesame's IdP exists: every peer must ACCEPT a
 * correctly signed AWS-shaped response built by test/helpers/fixtureResponse.ts and REJECT the same
 * response after one character of the signed RoleSessionName was changed. Without the rejection
 * half, a "peer accepts Sesame's response" test elsewhere would prove nothing.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { SignedXml } from 'xml-crypto';
import {
  AWS_ROLE_ATTRIBUTE,
  AWS_ROLE_SESSION_NAME_ATTRIBUTE,
  DEFAULT_FIXTURE_ISSUER,
  DEFAULT_FIXTURE_NAME_ID,
  DEFAULT_FIXTURE_ROLE_SESSION_NAME,
  DEFAULT_FIXTURE_ROLES,
  buildIdpMetadata,
  buildSignedAwsResponse,
  generateTestKeyPair,
  tamperRoleSessionName,
  type FixtureResponse,
  type TestKeyPair,
} from '../helpers/fixtureResponse';
import { runNodeSamlSp, runOneLoginSp, runPysaml2Sp, type PythonSpResult } from '../helpers/peers';
import { certificateFromMetadata, verifyWithXmlsec1 } from '../helpers/xmlsec';

const b64 = (xml: string): string => Buffer.from(xml, 'utf8').toString('base64');

let idpKey: TestKeyPair;
let attackerKey: TestKeyPair;
let metadataXml: string;
/** Assertion signed, Response unsigned (the Entra ID shape; S1). */
let assertionSigned: FixtureResponse;
/** Assertion signed, then the Response signed over it (the Okta shape). */
let bothSigned: FixtureResponse;
let assertionSignedTampered: string;
let bothSignedTampered: string;
/** Signed with an attacker key that the document itself carries as <ds:RSAKeyValue>. */
let keyValueForgery: string;
/** Signed with an attacker key and the attacker's self-signed certificate in <ds:X509Data>. */
let untrustedCertForgery: string;

before(() => {
  idpKey = generateTestKeyPair('sesame-test-idp');
  attackerKey = generateTestKeyPair('attacker');
  metadataXml = buildIdpMetadata({ signingCerts: [idpKey.certPem] });
  assertionSigned = buildSignedAwsResponse({ keyPair: idpKey });
  bothSigned = buildSignedAwsResponse({ keyPair: idpKey, signResponse: true });
  assertionSignedTampered = tamperRoleSessionName(assertionSigned.xml);
  bothSignedTampered = tamperRoleSessionName(bothSigned.xml);
  keyValueForgery = buildSignedAwsResponse({ keyPair: attackerKey, keyInfo: 'rsaKeyValue' }).xml;
  untrustedCertForgery = buildSignedAwsResponse({ keyPair: attackerKey }).xml;
});

describe('fixture sanity', () => {
  test('fixture: tampering changes exactly one character of the RoleSessionName and nothing else', () => {
    assert.equal(assertionSignedTampered.length, assertionSigned.xml.length);
    let diffs = 0;
    for (let i = 0; i < assertionSigned.xml.length; i++) if (assertionSigned.xml[i] !== assertionSignedTampered[i]) diffs++;
    assert.equal(diffs, 1);
    assert.ok(!assertionSignedTampered.includes(`>${DEFAULT_FIXTURE_ROLE_SESSION_NAME}<`));
  });

  test('fixture: certificateFromMetadata returns the signing certificate as PEM', () => {
    const pem = certificateFromMetadata(metadataXml);
    assert.match(pem, /^-----BEGIN CERTIFICATE-----\n/);
    assert.equal(pem.replace(/-----[^-]+-----|\s/g, ''), idpKey.certBase64);
  });

  test('fixture: metadata is large enough for IAM (S4, >= 1000 characters)', () => {
    assert.ok(metadataXml.length >= 1000, `metadata is ${metadataXml.length} chars`);
  });
});

describe('xmlsec1', () => {
  test('peer: xmlsec1 verifies the Assertion signature of a correctly signed response', async () => {
    const r = await verifyWithXmlsec1(assertionSigned.xml, idpKey.certPem, { node: 'Assertion' });
    assert.ok(r.ok, r.output);
    const first = await verifyWithXmlsec1(assertionSigned.xml, idpKey.certPem);
    assert.ok(first.ok, first.output);
  });

  test('peer: xmlsec1 verifies both the Response and the Assertion signature of a doubly signed response', async () => {
    const response = await verifyWithXmlsec1(bothSigned.xml, idpKey.certPem, { node: 'Response' });
    assert.ok(response.ok, response.output);
    const assertion = await verifyWithXmlsec1(bothSigned.xml, idpKey.certPem, { node: 'Assertion' });
    assert.ok(assertion.ok, assertion.output);
  });

  test('peer: xmlsec1 rejects an assertion tampered after signing', async () => {
    const r = await verifyWithXmlsec1(assertionSignedTampered, idpKey.certPem, { node: 'Assertion' });
    assert.equal(r.ok, false, r.output);
    assert.match(r.output, /FAIL/);
    const first = await verifyWithXmlsec1(assertionSignedTampered, idpKey.certPem);
    assert.equal(first.ok, false, first.output);
  });

  test('peer: xmlsec1 rejects a doubly signed response tampered after signing, on both signatures', async () => {
    const response = await verifyWithXmlsec1(bothSignedTampered, idpKey.certPem, { node: 'Response' });
    assert.equal(response.ok, false, response.output);
    const assertion = await verifyWithXmlsec1(bothSignedTampered, idpKey.certPem, { node: 'Assertion' });
    assert.equal(assertion.ok, false, assertion.output);
  });

  test('peer: xmlsec1 reports no Response signature when only the Assertion is signed', async () => {
    const r = await verifyWithXmlsec1(assertionSigned.xml, idpKey.certPem, { node: 'Response' });
    assert.equal(r.ok, false, r.output);
  });

  test('peer: xmlsec1 rejects an assertion signed with a key carried in its own KeyInfo', async () => {
    const r = await verifyWithXmlsec1(keyValueForgery, idpKey.certPem, { node: 'Assertion' });
    assert.equal(r.ok, false, r.output);
  });

  test('peer: xmlsec1 helper rejects an Assertion signature whose Reference points at another element', async () => {
    // Cryptographically valid, but the Signature inside the Assertion signs the whole Response:
    // plain xmlsec1 says OK; our enveloped-reference check must not.
    const unsigned = buildSignedAwsResponse({ keyPair: idpKey, signAssertion: false }).xml;
    const sig = new SignedXml({
      privateKey: idpKey.privateKeyPem,
      publicCert: idpKey.certPem,
      signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
    });
    sig.addReference({
      xpath: "/*[local-name(.)='Response']",
      transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
      digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    });
    sig.computeSignature(unsigned, {
      prefix: 'ds',
      location: { reference: "/*[local-name(.)='Response']/*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' },
    });
    const misplaced = sig.getSignedXml();
    const r = await verifyWithXmlsec1(misplaced, idpKey.certPem, { node: 'Assertion' });
    assert.equal(r.ok, false, r.output);
    assert.match(r.output, /^OK$/m, 'xmlsec1 itself accepts the signature');
    assert.match(r.output, /reference check FAILED: Reference URI "#_[0-9a-f]+" does not point at the Assertion/);
  });

  test('peer: xmlsec1 rejects an assertion signed by an untrusted certificate', async () => {
    const r = await verifyWithXmlsec1(untrustedCertForgery, idpKey.certPem, { node: 'Assertion' });
    assert.equal(r.ok, false, r.output);
  });
});

function assertAcceptedFixture(r: PythonSpResult, fixture: FixtureResponse): void {
  assert.equal(r.valid, true, `${r.peer}: ${r.error}\n${r.stderr}`);
  assert.equal(r.error, null);
  assert.equal(r.exitCode, 0);
  assert.equal(r.nameId, DEFAULT_FIXTURE_NAME_ID);
  assert.equal(r.nameIdFormat, 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
  assert.deepEqual(r.attributes[AWS_ROLE_ATTRIBUTE], DEFAULT_FIXTURE_ROLES);
  assert.deepEqual(r.attributes[AWS_ROLE_SESSION_NAME_ATTRIBUTE], [DEFAULT_FIXTURE_ROLE_SESSION_NAME]);
  assert.deepEqual(r.issuers, [fixture.issuer]);
  assert.equal(r.destination, 'https://signin.aws.amazon.com/saml');
  assert.deepEqual(r.audiences, ['urn:amazon:webservices']);
  assert.ok(r.sessionIndex);
}

function assertRejected(r: PythonSpResult, pattern: RegExp): void {
  assert.equal(r.valid, false, `${r.peer} accepted it`);
  assert.equal(r.exitCode, 1);
  assert.match(r.error ?? '', pattern);
  assert.equal(r.nameId, null);
  assert.deepEqual(r.attributes, {});
}

describe('python-saml (OneLogin, strict)', () => {
  test('peer: python-saml strict accepts a correctly signed IdP-initiated response', async () => {
    const r = await runOneLoginSp({ metadataXml, samlResponseB64: assertionSigned.samlResponseB64 });
    assertAcceptedFixture(r, assertionSigned);
  });

  test('peer: python-saml strict with wantMessagesSigned accepts a doubly signed response', async () => {
    const r = await runOneLoginSp({ metadataXml, samlResponseB64: bothSigned.samlResponseB64, wantMessagesSigned: true });
    assertAcceptedFixture(r, bothSigned);
  });

  test('peer: python-saml strict rejects an assertion tampered after signing', async () => {
    const r = await runOneLoginSp({ metadataXml, samlResponseB64: b64(assertionSignedTampered) });
    assertRejected(r, /Signature validation failed/);
  });

  test('peer: python-saml strict rejects a doubly signed response tampered after signing', async () => {
    const r = await runOneLoginSp({ metadataXml, samlResponseB64: b64(bothSignedTampered), wantMessagesSigned: true });
    assertRejected(r, /Signature validation failed/);
  });

  test('peer: python-saml strict with wantMessagesSigned rejects an unsigned Response', async () => {
    const r = await runOneLoginSp({ metadataXml, samlResponseB64: assertionSigned.samlResponseB64, wantMessagesSigned: true });
    assertRejected(r, /Message of the Response is not signed/);
  });

  test('peer: python-saml strict rejects an assertion signed with a key carried in its own KeyInfo', async () => {
    const r = await runOneLoginSp({ metadataXml, samlResponseB64: b64(keyValueForgery) });
    assertRejected(r, /Signature validation failed/);
  });

  test('peer: python-saml strict rejects a response POSTed to a different ACS than its Destination', async () => {
    const r = await runOneLoginSp({
      metadataXml,
      samlResponseB64: assertionSigned.samlResponseB64,
      acs: 'https://us-east-2.signin.aws.amazon.com/saml',
    });
    assertRejected(r, /received at https:\/\/us-east-2\.signin\.aws\.amazon\.com\/saml/);
  });
});

describe('node-saml', () => {
  test('peer: node-saml accepts a correctly signed IdP-initiated response', async () => {
    const r = await runNodeSamlSp({ metadataXml, certPem: idpKey.certPem, samlResponseB64: assertionSigned.samlResponseB64 });
    assert.equal(r.valid, true, r.error ?? '');
    assert.equal(r.profile?.nameID, DEFAULT_FIXTURE_NAME_ID);
    assert.equal(r.profile?.issuer, DEFAULT_FIXTURE_ISSUER);
    assert.deepEqual(r.profile?.[AWS_ROLE_ATTRIBUTE], DEFAULT_FIXTURE_ROLES);
    assert.equal(r.profile?.[AWS_ROLE_SESSION_NAME_ATTRIBUTE], DEFAULT_FIXTURE_ROLE_SESSION_NAME);
  });

  test('peer: node-saml with wantAuthnResponseSigned accepts a doubly signed response (cert from metadata)', async () => {
    const r = await runNodeSamlSp({ metadataXml, samlResponseB64: bothSigned.samlResponseB64, wantAuthnResponseSigned: true });
    assert.equal(r.valid, true, r.error ?? '');
    assert.equal(r.profile?.nameID, DEFAULT_FIXTURE_NAME_ID);
  });

  test('peer: node-saml rejects an assertion tampered after signing', async () => {
    const r = await runNodeSamlSp({ metadataXml, certPem: idpKey.certPem, samlResponseB64: b64(assertionSignedTampered) });
    assert.equal(r.valid, false);
    assert.equal(r.profile, null);
    assert.match(r.error ?? '', /signature/i);
  });

  test('peer: node-saml rejects a doubly signed response tampered after signing', async () => {
    const r = await runNodeSamlSp({ metadataXml, samlResponseB64: b64(bothSignedTampered), wantAuthnResponseSigned: true });
    assert.equal(r.valid, false);
    assert.match(r.error ?? '', /signature/i);
  });

  test('peer: node-saml rejects an assertion signed with a key carried in its own KeyInfo', async () => {
    const r = await runNodeSamlSp({ metadataXml, samlResponseB64: b64(keyValueForgery) });
    assert.equal(r.valid, false);
    assert.match(r.error ?? '', /signature/i);
  });

  test('peer: node-saml rejects a response whose Audience is not the configured one', async () => {
    const r = await runNodeSamlSp({ metadataXml, samlResponseB64: assertionSigned.samlResponseB64, audience: 'https://signin.aws.amazon.com/saml' });
    assert.equal(r.valid, false);
    assert.match(r.error ?? '', /audience/i);
  });
});

describe('pysaml2', () => {
  test('peer: pysaml2 accepts a correctly signed IdP-initiated response', async () => {
    const r = await runPysaml2Sp({ metadataXml, samlResponseB64: assertionSigned.samlResponseB64 });
    assertAcceptedFixture(r, assertionSigned);
  });

  test('peer: pysaml2 with want_response_signed accepts a doubly signed response', async () => {
    const r = await runPysaml2Sp({ metadataXml, samlResponseB64: bothSigned.samlResponseB64, wantMessagesSigned: true });
    assertAcceptedFixture(r, bothSigned);
  });

  test('peer: pysaml2 rejects an assertion tampered after signing', async () => {
    const r = await runPysaml2Sp({ metadataXml, samlResponseB64: b64(assertionSignedTampered) });
    assertRejected(r, /Failed to verify signature/);
  });

  test('peer: pysaml2 rejects a doubly signed response tampered after signing', async () => {
    const r = await runPysaml2Sp({ metadataXml, samlResponseB64: b64(bothSignedTampered), wantMessagesSigned: true });
    assertRejected(r, /Failed to verify signature/);
  });

  test('peer: pysaml2 with want_response_signed rejects an unsigned Response', async () => {
    const r = await runPysaml2Sp({ metadataXml, samlResponseB64: assertionSigned.samlResponseB64, wantMessagesSigned: true });
    assertRejected(r, /Signature missing for response/);
  });

  test('peer: pysaml2 rejects an assertion signed with a key carried in its own KeyInfo', async () => {
    const r = await runPysaml2Sp({ metadataXml, samlResponseB64: b64(keyValueForgery) });
    assertRejected(r, /Failed to verify signature/);
  });

  test('peer: pysaml2 rejects a response POSTed to a different ACS than its Destination', async () => {
    const r = await runPysaml2Sp({
      metadataXml,
      samlResponseB64: assertionSigned.samlResponseB64,
      acs: 'https://us-east-2.signin.aws.amazon.com/saml',
    });
    assertRejected(r, /did not accept an assertion/);
  });
});
