/**
 * The signing key ring: rollover without a restart (aws-saml-rules S5), key files private, metadata
 * listing exactly the published certificates, signatures that xmlsec1 verifies with the new
 * certificate and not the old one, and a switch made by one process reaching another.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { SqliteStore } from '../../../src/store/sqliteStore';
import { SqliteSigningKeyStore } from '../../../src/store/sqliteSigningKeyStore';
import { KeyRingError, SigningKeyRing } from '../../../src/saml/keys/signingKeyRing';
import { buildIdpMetadata } from '../../../src/saml/idpMetadata';
import { buildSignedResponse } from '../../../src/saml/buildResponse';
import { awsResponseInput } from '../samlTestKit';
import { toCertPem, verifyWithXmlsec1 } from '../../helpers/xmlsec';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-keyring-test-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
let counter = 0;

const metadata = (certs: string[]) => buildIdpMetadata({ entityId: 'https://idp.example.org/saml/metadata', signingCertificates: certs, ssoUrl: 'https://idp.example.org/saml/sso' });
const certsIn = (xml: string) => [...xml.matchAll(/<ds:X509Certificate>([^<]+)<\/ds:X509Certificate>/g)].map((m) => m[1]!);

describe('SigningKeyRing', () => {
  let dir: string;
  let store: SqliteStore;
  let logs: string[];
  const open = (s: SqliteStore = store) =>
    SigningKeyRing.open({
      store: new SqliteSigningKeyStore(s.db),
      keyPath: path.join(dir, 'certs', 'signing-key.pem'),
      certPath: path.join(dir, 'certs', 'signing-cert.pem'),
      commonName: 'Sesame ring test',
      modulusLength: 2048,
      log: (line) => logs.push(line),
    });

  beforeEach(() => {
    dir = path.join(tmpRoot, `case-${++counter}`);
    store = SqliteStore.open(path.join(dir, 'data'));
    logs = [];
  });

  it('seeds itself with the configured key pair and publishes only it', async () => {
    const ring = await open();
    const keys = await ring.keys();
    assert.equal(keys.length, 1);
    assert.equal(keys[0]!.state, 'current');
    assert.deepEqual(certsIn(ring.metadataXml(metadata)), ring.publishedCertificates());
    assert.ok(fs.existsSync(path.join(dir, 'certs', 'signing-key.pem')));
    assert.ok(!logs.join('\n').includes('PRIVATE KEY'), 'no key material in the log');
  });

  it('S5: next key published beside the current → switch → previous retired; xmlsec1 checks which key signed', async () => {
    const ring = await open();
    const [first] = await ring.keys();
    const firstCert = ring.publishedCertificates()[0]!;

    const next = await ring.createNext();
    assert.equal(next.state, 'next');
    const keyFile = path.join(dir, 'certs', `signing-key-${next.id}.pem`);
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600, 'new private key is private');
    assert.equal(certsIn(ring.metadataXml(metadata)).length, 2, 'both certificates published before the switch');
    assert.equal(ring.currentKeyId(), first!.id, 'creating the next key does not switch signing');
    const nextCert = ring.publishedCertificates()[1]!;
    assert.deepEqual(certsIn(ring.metadataXml(metadata)), [firstCert, nextCert], 'current first');

    const holder = ring.signer; // what ConsoleSso holds for its whole life
    const before = buildSignedResponse(awsResponseInput(), holder).xml;
    assert.ok((await verifyWithXmlsec1(before, toCertPem(firstCert), { node: 'Assertion' })).ok);

    await ring.activateNext();
    assert.equal(ring.currentKeyId(), next.id);
    assert.deepEqual(certsIn(ring.metadataXml(metadata)), [nextCert, firstCert], 'previous key still published');
    const after = buildSignedResponse(awsResponseInput(), holder).xml;
    assert.ok((await verifyWithXmlsec1(after, toCertPem(nextCert), { node: 'Assertion' })).ok, 'the same signer object now signs with the new key');
    assert.equal((await verifyWithXmlsec1(after, toCertPem(firstCert), { node: 'Assertion' })).ok, false, 'and no longer with the old one');

    await ring.retire(first!.id);
    assert.deepEqual(certsIn(ring.metadataXml(metadata)), [nextCert], 'retired key leaves the metadata');
    assert.deepEqual((await ring.keys()).map((k) => k.state).sort(), ['current', 'retired']);
  });

  it('refuses steps out of order with a message that says what to do', async () => {
    const ring = await open();
    const [current] = await ring.keys();
    await assert.rejects(ring.activateNext(), (e: Error) => e instanceof KeyRingError && /create one first/.test(e.message));
    await assert.rejects(ring.retire(current!.id), (e: Error) => e instanceof KeyRingError && /signing now/.test(e.message));
    await assert.rejects(ring.retire('0000000000000000'), KeyRingError);
    const next = await ring.createNext();
    await assert.rejects(ring.createNext(), (e: Error) => e instanceof KeyRingError && e.message.includes(next.id));
    await ring.activateNext();
    await ring.createNext();
    await assert.rejects(ring.activateNext(), (e: Error) => e instanceof KeyRingError && /retire it before switching again/.test(e.message));
  });

  it('a switch made by one process reaches another one (shared database, version polling)', async () => {
    const workerA = await open();
    const otherStore = SqliteStore.open(path.join(dir, 'data'));
    const workerB = await open(otherStore);
    assert.equal(workerB.currentKeyId(), workerA.currentKeyId());
    const next = await workerA.createNext();
    await workerA.activateNext();
    assert.notEqual(workerB.currentKeyId(), next.id, 'B has not looked yet');
    await workerB.refresh();
    assert.equal(workerB.currentKeyId(), next.id);
    assert.equal(certsIn(workerB.metadataXml(metadata)).length, 2);
    await otherStore.close();
  });

  it('a restart keeps signing with the key the ring chose, not the configured file', async () => {
    const ring = await open();
    const next = await ring.createNext();
    await ring.activateNext();
    await store.close();
    store = SqliteStore.open(path.join(dir, 'data'));
    const restarted = await open();
    assert.equal(restarted.currentKeyId(), next.id);
  });
});
