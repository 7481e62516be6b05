/** IdP metadata as IAM reads it when an admin uploads it (S3, S4, S5). */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { readProviderMetadata } from '../../../src/aws/rules';
import { buildIdpMetadata } from '../../../src/saml/idpMetadata';
import { createSelfSignedCertificate } from '../../../src/saml/keys/selfSignedCertificate';
import { IDP_ENTITY_ID, pemBody } from '../../saml/samlTestKit';
import { NOW, ruleKit } from './ruleKit';

const metadataWith = (certificates: string[]) => buildIdpMetadata({ entityId: IDP_ENTITY_ID, signingCertificates: certificates, ssoUrl: 'https://sesame.example.org/saml/sso' });

function refused(xml: string, rule: string, message: RegExp): void {
  const reading = readProviderMetadata(xml, NOW);
  assert.equal(reading.provider, null);
  const first = reading.findings[0]!;
  assert.equal(first.rule, rule);
  assert.match(first.message, message);
  assert.equal(first.awsError?.code, 'InvalidInput');
  assert.equal(first.awsError?.message, 'Could not parse metadata');
}

describe('provider metadata (S3, S4, S5)', () => {
  test("Sesame's metadata gives the entityID and the signing certificate with its fingerprint", () => {
    const reading = readProviderMetadata(ruleKit().metadataXml, NOW);
    assert.deepEqual(reading.findings, []);
    assert.equal(reading.provider?.entityId, IDP_ENTITY_ID);
    assert.equal(reading.provider?.signingCertificates.length, 1);
    assert.match(reading.provider!.signingCertificates[0]!.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  test('S5: during a rollover both certificates are trusted', () => {
    const next = createSelfSignedCertificate({ privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, commonName: 'next', validDays: 2 });
    const reading = readProviderMetadata(metadataWith([ruleKit().key.certBase64, pemBody(next)]), NOW);
    assert.equal(reading.provider?.signingCertificates.length, 2);
  });

  test('S4: too short, with a BOM, with a DOCTYPE, or not an EntityDescriptor → "Could not parse metadata"', () => {
    refused('<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>', 'S4', /characters long/);
    const good = ruleKit().metadataXml;
    refused(`\uFEFF${good}`, 'S4', /byte-order mark/);
    refused(good.replace('<md:EntityDescriptor', '<!DOCTYPE x><md:EntityDescriptor'), 'S4', /DOCTYPE/);
    refused(good.replace(/EntityDescriptor/g, 'EntitiesDescriptor'), 'S4', /root element/);
    refused(good.replace(/ {2}<md:KeyDescriptor[\s\S]*<\/md:KeyDescriptor>\n/, '').padEnd(1200, ' '), 'S4', /no signing certificate/);
  });

  test('S3: a certificate that does not parse, or an RSA key under 1024 bits → refused; under 2048 warns', () => {
    refused(metadataWith(['bm90IGEgY2VydGlmaWNhdGU='.repeat(20)]), 'S3', /not a valid certificate/);
    const small = createSelfSignedCertificate({ privateKey: generateKeyPairSync('rsa', { modulusLength: 768 }).privateKey, commonName: 'tiny', validDays: 2 });
    refused(metadataWith([pemBody(small)]), 'S3', /768 bits/);
    const medium = createSelfSignedCertificate({ privateKey: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, commonName: 'medium', validDays: 2 });
    const reading = readProviderMetadata(metadataWith([pemBody(medium)]), NOW);
    assert.ok(reading.provider);
    assert.deepEqual(reading.findings.map((f) => [f.rule, f.severity]), [['S3', 'warning']]);
  });

  test('S3: an expired certificate is accepted with a warning (AWS does not document a date check)', () => {
    const expired = createSelfSignedCertificate({ privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, commonName: 'old', validDays: 1, now: new Date('2020-01-01T00:00:00Z') });
    const reading = readProviderMetadata(metadataWith([pemBody(expired)]), NOW);
    assert.ok(reading.provider);
    assert.match(reading.findings[0]!.message, /expired/);
  });
});
