import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { parseSpMetadata, SpMetadataError } from '../../src/saml/spMetadata';
import { generateTestKeyPair, pemBody, type TestKeyPair } from '../helpers/fixtureResponse';
import { spMetadata } from '../e2e/sp/craftedRequests';

let key: TestKeyPair;
before(() => {
  key = generateTestKeyPair('sp');
});

describe('parseSpMetadata: what the registry keeps from an SP\'s metadata', () => {
  test('entityID, POST ACS endpoints with index/isDefault, SLO, certificates by use, flags, NameIDFormats', () => {
    const facts = parseSpMetadata(spMetadata({ entityId: 'https://sp/md', acs: ['https://sp/acs', 'https://sp/acs2'], slo: 'https://sp/slo', signingCert: key.certBase64, encryptionCert: key.certBase64, authnRequestsSigned: true }));
    assert.equal(facts.entityId, 'https://sp/md');
    assert.deepEqual(facts.acs.map((a) => [a.location, a.index, a.isDefault]), [['https://sp/acs', 0, true], ['https://sp/acs2', 1, undefined]]);
    assert.deepEqual(facts.slo.map((s) => s.location), ['https://sp/slo']);
    assert.deepEqual(facts.signingCertificates, [key.certBase64]);
    assert.deepEqual(facts.encryptionCertificates, [key.certBase64]);
    assert.equal(facts.authnRequestsSigned, true);
    assert.equal(facts.wantAssertionsSigned, true);
    assert.deepEqual(facts.nameIdFormats, ['urn:oasis:names:tc:SAML:2.0:nameid-format:persistent']);
  });

  test('refused with a message saying what to fix: DOCTYPE, no POST ACS, a 1024-bit key, several SPs in one file, a relative ACS URL', () => {
    const good = spMetadata({ entityId: 'https://sp/md', acs: ['https://sp/acs'], signingCert: key.certBase64 });
    const cases: Array<[string, RegExp]> = [
      ['<!DOCTYPE x>' + good.replace(/^<\?xml[^>]*>\n?/, ''), /DOCTYPE/],
      [good.replace('bindings:HTTP-POST', 'bindings:HTTP-Artifact'), /no AssertionConsumerService with the HTTP-POST binding/],
      [good.replace('Location="https://sp/acs"', 'Location="/acs"'), /not an absolute URL/],
      [`<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${good.replace(/^<\?xml[^>]*>\n?/, '')}${good.replace(/^<\?xml[^>]*>\n?/, '').replace('https://sp/md', 'https://sp2/md')}</md:EntitiesDescriptor>`, /2 service providers/],
    ];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-md-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:1024', '-nodes', '-subj', '/CN=weak', '-days', '2', '-keyout', path.join(dir, 'k'), '-out', path.join(dir, 'c')], { stdio: 'ignore' });
      const weak = pemBody(fs.readFileSync(path.join(dir, 'c'), 'utf8'));
      cases.push([spMetadata({ entityId: 'https://sp/md', acs: ['https://sp/acs'], signingCert: weak }), /1024-bit RSA key; at least 2048/]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    for (const [xml, message] of cases) {
      assert.throws(() => parseSpMetadata(xml), (e: unknown) => e instanceof SpMetadataError && message.test(e.message), String(message));
    }
  });
});
