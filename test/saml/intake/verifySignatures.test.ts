import assert from 'node:assert/strict';
import { createSign } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { parseSamlXml } from '../../../src/saml/intake/parseSamlXml';
import { SamlIntakeError } from '../../../src/saml/intake/samlIntakeError';
import { verifyEnvelopedSignature } from '../../../src/saml/intake/verifyEnvelopedSignature';
import { verifyRedirectSignature } from '../../../src/saml/intake/verifyRedirectSignature';
import { readSamlParameters } from '../../../src/saml/intake/bindingParameters';
import { generateTestKeyPair, type TestKeyPair } from '../../helpers/fixtureResponse';
import { authnRequest, redirectQuery, RSA_SHA1, signPost } from '../../e2e/sp/craftedRequests';

const SP = 'https://sp.example/metadata';
const isRule = (rule: string) => (e: unknown) => e instanceof SamlIntakeError && e.rule === rule;

let key: TestKeyPair;
let attacker: TestKeyPair;
before(() => {
  key = generateTestKeyPair('sp');
  attacker = generateTestKeyPair('attacker');
});

function verify(xml: string, allowSha1 = false, certificates = [key.certBase64]) {
  return verifyEnvelopedSignature(xml, parseSamlXml(xml), { certificates, allowSha1 });
}

describe('verifyEnvelopedSignature: one signature, on the consumed element, by a registered key', () => {
  test('a signed AuthnRequest verifies, and the caller gets the signed bytes re-parsed', () => {
    const { xml, id } = authnRequest({ issuer: SP, acsUrl: 'https://sp.example/acs' });
    const result = verify(signPost(xml, key));
    assert.equal(result.signedDocument.documentElement.getAttribute('ID'), id);
    assert.ok(!result.signedXml.includes('Signature'), 'the enveloped signature is not part of what was signed');
  });

  test('KeyInfo is never trusted: the attacker signs with their own key and embeds their certificate', () => {
    assert.throws(() => verify(signPost(authnRequest({ issuer: SP }).xml, attacker)), isRule('signature.invalid'));
  });

  test('a change after signing fails the digest', () => {
    const signed = signPost(authnRequest({ issuer: SP, acsUrl: 'https://sp.example/acs' }).xml, key);
    assert.throws(() => verify(signed.replace('https://sp.example/acs', 'https://evil.example/acs')), isRule('signature.invalid'));
  });

  test('wrapping: the signed element moved under a forged root, a signature inside a child, two signatures, a duplicated ID', () => {
    const original = authnRequest({ issuer: SP });
    const signed = signPost(original.xml, key);
    const forged = authnRequest({ issuer: SP, id: original.id, inject: `<samlp:Extensions>${signed}</samlp:Extensions>` }).xml;
    assert.throws(() => verify(forged), isRule('signature.reference'));
    assert.throws(() => verify(signPost(signed, key)), isRule('signature.count'));
    const duplicate = signed.replace('</saml:Issuer>', `</saml:Issuer><samlp:Extensions><x xmlns="urn:x" ID="${original.id}"/></samlp:Extensions>`);
    assert.throws(() => verify(duplicate), (e: unknown) => e instanceof SamlIntakeError && /signature\.(reference|invalid)/.test(e.rule));
  });

  test('a Reference to something other than the root is refused before any cryptography', () => {
    const signed = signPost(authnRequest({ issuer: SP }).xml, key);
    const retargeted = signed.replace(/URI="#[^"]+"/, 'URI="#elsewhere"');
    assert.throws(() => verify(retargeted), isRule('signature.reference'));
  });

  test('SHA-1 (signature or digest) only when the SP is allowed it; unknown algorithms never', () => {
    const sha1 = signPost(authnRequest({ issuer: SP }).xml, key, RSA_SHA1, 'http://www.w3.org/2000/09/xmldsig#sha1');
    assert.throws(() => verify(sha1), isRule('signature.algorithm'));
    assert.ok(verify(sha1, true));
    const hmac = signPost(authnRequest({ issuer: SP }).xml, key).replace(/Algorithm="http:\/\/www\.w3\.org\/2001\/04\/xmldsig-more#rsa-sha256"/, 'Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1"');
    assert.throws(() => verify(hmac), isRule('signature.algorithm'));
  });

  test('no registered certificate: refused as untrusted, not accepted', () => {
    assert.throws(() => verify(signPost(authnRequest({ issuer: SP }).xml, key), false, []), isRule('signature.untrusted'));
  });
});

describe('verifyRedirectSignature: over the raw query octets, by a registered key', () => {
  const policy = () => ({ certificates: [key.certBase64], allowSha1: false });

  test('verifies; RelayState is covered; another key or a changed value fails', () => {
    const query = redirectQuery(authnRequest({ issuer: SP }).xml, { relayState: 'r', key });
    assert.ok(verifyRedirectSignature(readSamlParameters(query), 'SAMLRequest', policy()));
    assert.throws(() => verifyRedirectSignature(readSamlParameters(query.replace('RelayState=r', 'RelayState=s')), 'SAMLRequest', policy()), isRule('signature.invalid'));
    const foreign = redirectQuery(authnRequest({ issuer: SP }).xml, { key: attacker });
    assert.throws(() => verifyRedirectSignature(readSamlParameters(foreign), 'SAMLRequest', policy()), isRule('signature.invalid'));
  });

  test('the octets are the bytes as sent: a re-encoded but equivalent value does not verify', () => {
    const query = redirectQuery(authnRequest({ issuer: SP }).xml, { relayState: 'a b', key });
    assert.match(query, /RelayState=a%20b/);
    assert.throws(() => verifyRedirectSignature(readSamlParameters(query.replace('a%20b', 'a+b')), 'SAMLRequest', policy()), isRule('signature.invalid'));
  });

  test('RSA-SHA1 only when allowed; an unknown SigAlg is refused, never downgraded', () => {
    const sha1 = readSamlParameters(redirectQuery(authnRequest({ issuer: SP }).xml, { key, sigAlg: RSA_SHA1 }));
    assert.throws(() => verifyRedirectSignature(sha1, 'SAMLRequest', policy()), isRule('signature.algorithm'));
    assert.ok(verifyRedirectSignature(sha1, 'SAMLRequest', { ...policy(), allowSha1: true }));
    const base = redirectQuery(authnRequest({ issuer: SP }).xml);
    const signer = createSign('RSA-SHA256');
    const unsigned = `${base}&SigAlg=${encodeURIComponent('urn:unknown')}`;
    signer.update(unsigned);
    const query = `${unsigned}&Signature=${encodeURIComponent(signer.sign(key.privateKeyPem, 'base64'))}`;
    assert.throws(() => verifyRedirectSignature(readSamlParameters(query), 'SAMLRequest', policy()), isRule('signature.algorithm'));
  });
});
