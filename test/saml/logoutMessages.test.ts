import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildLogoutRequest, readLogoutRequest } from '../../src/saml/logoutRequest';
import { buildLogoutResponse, readLogoutResponse } from '../../src/saml/logoutResponse';
import { STATUS_PARTIAL_LOGOUT, STATUS_SUCCESS } from '../../src/saml/buildResponse';
import { parseSamlXml } from '../../src/saml/intake/parseSamlXml';
import { verifyEnvelopedSignature } from '../../src/saml/intake/verifyEnvelopedSignature';
import { makeSigningKey } from './samlTestKit';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const key = makeSigningKey('idp');

function xmlsecVerify(xml: string, root: 'LogoutRequest' | 'LogoutResponse'): boolean {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-slo-'));
  try {
    fs.writeFileSync(path.join(dir, 'm.xml'), xml);
    fs.writeFileSync(path.join(dir, 'c.pem'), key.certPem);
    execFileSync('xmlsec1', ['--verify', '--enabled-reference-uris', 'same-doc', '--enabled-key-data', 'raw-x509-cert', '--id-attr:ID', `urn:oasis:names:tc:SAML:2.0:protocol:${root}`, '--pubkey-cert-pem', path.join(dir, 'c.pem'), path.join(dir, 'm.xml')], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('LogoutRequest / LogoutResponse: canonical by construction, signed, read back', () => {
  const now = new Date('2026-11-24T10:00:00.000Z');

  test('a signed LogoutRequest verifies with xmlsec1 and with the intake verifier; its fields read back; tampering fails', () => {
    const built = buildLogoutRequest({ issuer: 'https://idp/md', destination: 'https://sp/slo', nameId: { value: 'n<&>"1', format: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent' }, sessionIndex: '_s1', now, lifetimeSeconds: 600 });
    const signed = built.signedXml(key.signer);
    assert.ok(xmlsecVerify(signed, 'LogoutRequest'));
    const verified = verifyEnvelopedSignature(signed, parseSamlXml(signed), { certificates: [key.certBase64], allowSha1: false });
    const read = readLogoutRequest(verified.signedDocument.documentElement);
    assert.equal(read.id, built.id);
    assert.equal(read.nameId.value, 'n<&>"1');
    assert.deepEqual(read.sessionIndexes, ['_s1']);
    assert.equal(read.notOnOrAfter?.toISOString(), '2026-11-24T10:10:00.000Z');
    assert.equal(xmlsecVerify(signed.replace('_s1', '_s2'), 'LogoutRequest'), false);
  });

  test('a signed LogoutResponse (Success with PartialLogout) verifies with xmlsec1 and reads back its status', () => {
    const built = buildLogoutResponse({ issuer: 'https://idp/md', destination: 'https://sp/slo', inResponseTo: '_r1', status: { code: STATUS_SUCCESS, subCode: STATUS_PARTIAL_LOGOUT }, now });
    const signed = built.signedXml(key.signer);
    assert.ok(xmlsecVerify(signed, 'LogoutResponse'));
    const read = readLogoutResponse(parseSamlXml(signed).documentElement);
    assert.equal(read.inResponseTo, '_r1');
    assert.equal(read.statusCode, STATUS_SUCCESS);
    assert.equal(read.subStatusCode, STATUS_PARTIAL_LOGOUT);
  });
});
