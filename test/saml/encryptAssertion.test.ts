import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildSignedResponse } from '../../src/saml/buildResponse';
import { encryptAssertion } from '../../src/saml/encryptAssertion';
import { generateTestKeyPair, type TestKeyPair } from '../helpers/fixtureResponse';
import { verifyWithXmlsec1 } from '../helpers/xmlsec';
import { awsResponseInput, canonicalizeWithXmlCrypto, makeSigningKey, type TestSigningKey } from './samlTestKit';

let idpKey: TestSigningKey;
let spKey: TestKeyPair;
let dir: string;

before(() => {
  idpKey = makeSigningKey('idp');
  spKey = generateTestKeyPair('sp-encryption');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-enc-'));
  fs.writeFileSync(path.join(dir, 'sp-key.pem'), spKey.privateKeyPem);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function xmlsecDecrypt(xml: string): string {
  fs.writeFileSync(path.join(dir, 'in.xml'), xml);
  return execFileSync('xmlsec1', ['--decrypt', '--privkey-pem', path.join(dir, 'sp-key.pem'), path.join(dir, 'in.xml')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('encryptAssertion: sign, then encrypt (AES-256-GCM, RSA-OAEP-MGF1P)', () => {
  test('xmlsec1 decrypts the EncryptedAssertion back to the signed Assertion, byte for byte', () => {
    const assertion = '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1" Version="2.0"><saml:Issuer>idp</saml:Issuer></saml:Assertion>';
    const encrypted = encryptAssertion(assertion, { certificateBase64: spKey.certBase64 });
    assert.match(encrypted, /Algorithm="http:\/\/www\.w3\.org\/2009\/xmlenc11#aes256-gcm"/);
    assert.match(encrypted, /Algorithm="http:\/\/www\.w3\.org\/2001\/04\/xmlenc#rsa-oaep-mgf1p"/);
    assert.ok(xmlsecDecrypt(encrypted).includes(assertion));
  });

  test('a flipped ciphertext byte fails GCM authentication (the check can fail)', () => {
    const encrypted = encryptAssertion('<a xmlns="urn:x">secret</a>', { certificateBase64: spKey.certBase64 });
    const values = [...encrypted.matchAll(/<xenc:CipherValue>([^<]+)<\/xenc:CipherValue>/g)];
    const content = Buffer.from(values[1]![1]!, 'base64');
    content[20] ^= 1;
    assert.throws(() => xmlsecDecrypt(encrypted.replace(values[1]![1]!, content.toString('base64'))));
  });

  test('inside a signed Response: still canonical by construction (xml-crypto agrees), xmlsec1 verifies the Response signature and decrypts an Assertion whose own signature verifies', async () => {
    const built = buildSignedResponse(
      awsResponseInput({ signResponse: true, encryptAssertion: (xml) => encryptAssertion(xml, { certificateBase64: spKey.certBase64 }) }),
      idpKey.signer,
    );
    assert.ok(!built.xml.includes('<saml:Assertion '), 'no plaintext assertion');
    const canonical = canonicalizeWithXmlCrypto(built.xml, 'Response');
    assert.equal(canonical.digest, canonical.ourDigest);
    assert.ok((await verifyWithXmlsec1(built.xml, idpKey.certPem, { node: 'Response' })).ok);
    const decrypted = xmlsecDecrypt(built.xml).replace(/^<\?xml[^>]*>\s*/, '');
    const unwrapped = decrypted.replace(/<saml:EncryptedAssertion[^>]*>/, '').replace('</saml:EncryptedAssertion>', '');
    assert.ok((await verifyWithXmlsec1(unwrapped, idpKey.certPem, { node: 'Assertion' })).ok, 'the decrypted assertion carries its own valid signature');
  });
});
