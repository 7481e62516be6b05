import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createSelfSignedCertificate } from '../../../src/saml/keys/selfSignedCertificate';
import { SigningKeyError } from '../../../src/saml/keys/signingKeyError';

const OPENSSL = '/usr/bin/openssl';
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const generateKeyPair = promisify(crypto.generateKeyPair);

/** Certificates carry whole seconds. */
const floorToSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;
const spkiDer = (key: KeyObject): Buffer =>
  (key.type === 'private' ? crypto.createPublicKey(key) : key).export({ type: 'spki', format: 'der' });

function openssl(args: string[], input: string): string {
  return execFileSync(OPENSSL, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

describe('createSelfSignedCertificate', () => {
  let privateKey: KeyObject;
  let tmpDir: string;

  before(async () => {
    ({ privateKey } = await generateKeyPair('rsa', { modulusLength: 2048 }));
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-cert-'));
  });
  after(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

  it('produces a PEM certificate that node:crypto parses, with CN subject = issuer, validity and a valid self-signature', () => {
    const now = new Date('2026-03-04T05:06:07.890Z');
    const pem = createSelfSignedCertificate({ privateKey, commonName: 'sesame.example.org', validDays: 3650, now });
    assert.match(pem, /^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END CERTIFICATE-----\n$/);

    const cert = new crypto.X509Certificate(pem);
    assert.equal(cert.subject, 'CN=sesame.example.org');
    assert.equal(cert.issuer, 'CN=sesame.example.org');
    assert.equal(new Date(cert.validFrom).getTime(), floorToSecond(now.getTime() - HOUR_MS));
    assert.equal(new Date(cert.validTo).getTime(), floorToSecond(now.getTime() + 3650 * DAY_MS));
    assert.ok(spkiDer(cert.publicKey).equals(spkiDer(privateKey)), 'certificate public key is the key pair public half');
    assert.equal(cert.verify(cert.publicKey), true);
    assert.equal(cert.verify(crypto.createPublicKey(privateKey)), true);
    assert.equal(cert.checkPrivateKey(privateKey), true);
    assert.equal(cert.ca, false);
    assert.equal(cert.publicKey.asymmetricKeyType, 'rsa');
  });

  it('uses a random, positive, 16-byte serial number', () => {
    const serials = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const cert = new crypto.X509Certificate(createSelfSignedCertificate({ privateKey, commonName: 'Sesame', validDays: 1 }));
      assert.match(cert.serialNumber, /^[0-9A-F]{32}$/);
      assert.ok(parseInt(cert.serialNumber.slice(0, 1), 16) < 8, 'high bit clear, so the INTEGER is positive without padding');
      serials.add(cert.serialNumber);
    }
    assert.equal(serials.size, 5);
  });

  it('keeps a UTF-8 common name intact', () => {
    const cert = new crypto.X509Certificate(createSelfSignedCertificate({ privateKey, commonName: 'Sésame IdP ✓', validDays: 30 }));
    assert.equal(cert.subject, 'CN=Sésame IdP ✓');
  });

  it('switches notAfter to GeneralizedTime from 2050 on and node:crypto still reads it', () => {
    const now = new Date('2049-06-01T00:00:00Z');
    const pem = createSelfSignedCertificate({ privateKey, commonName: 'Sesame', validDays: 3650, now });
    const cert = new crypto.X509Certificate(pem);
    assert.equal(new Date(cert.validFrom).toISOString(), '2049-05-31T23:00:00.000Z');
    assert.equal(new Date(cert.validTo).toISOString(), '2059-05-30T00:00:00.000Z');
    assert.equal(cert.verify(cert.publicKey), true);
  });

  it('S3: openssl shows basicConstraints, keyUsage and subjectKeyIdentifier exactly once each, nothing else', (t) => {
    if (!fs.existsSync(OPENSSL)) {
      t.skip(`${OPENSSL} not installed`);
      return;
    }
    const pem = createSelfSignedCertificate({ privateKey, commonName: 'Sesame IdP', validDays: 3650 });
    const text = openssl(['x509', '-noout', '-text'], pem);
    const count = (needle: string): number => text.split(needle).length - 1;

    assert.equal(count('Version: 3 (0x2)'), 1);
    assert.equal(count('Signature Algorithm: sha256WithRSAEncryption'), 2);
    assert.equal(count('Public-Key: (2048 bit)'), 1);
    assert.equal(count('X509v3 Basic Constraints: critical'), 1);
    assert.equal(count('CA:FALSE'), 1);
    assert.equal(count('X509v3 Key Usage: critical'), 1);
    assert.match(text, /X509v3 Key Usage: critical\n\s+Digital Signature\n/);
    assert.equal(count('X509v3 Subject Key Identifier'), 1);

    const extensionSection = text.slice(text.indexOf('X509v3 extensions:'), text.indexOf('Signature Algorithm', text.indexOf('X509v3 extensions:')));
    const extensionNames = [...extensionSection.matchAll(/^\s+(X509v3 [^:]+|[0-9]+(?:\.[0-9]+)+):/gm)].map((m) => m[1]);
    assert.deepEqual(extensionNames, ['X509v3 Basic Constraints', 'X509v3 Key Usage', 'X509v3 Subject Key Identifier']);

    // RFC 5280 4.2.1.2 (1): SHA-1 over the subjectPublicKey bits, which for RSA is the PKCS#1 RSAPublicKey DER.
    const expectedSki = crypto
      .createHash('sha1')
      .update(crypto.createPublicKey(privateKey).export({ type: 'pkcs1', format: 'der' }))
      .digest('hex')
      .toUpperCase()
      .match(/../g)!
      .join(':');
    assert.match(text, new RegExp(`X509v3 Subject Key Identifier: ?\\n\\s+${expectedSki}\\n`));
  });

  it('openssl verifies the self-signature and reads a GeneralizedTime notAfter', (t) => {
    if (!fs.existsSync(OPENSSL)) {
      t.skip(`${OPENSSL} not installed`);
      return;
    }
    const pem = createSelfSignedCertificate({ privateKey, commonName: 'Sesame', validDays: 3650, now: new Date('2049-06-01T00:00:00Z') });
    const certFile = path.join(tmpDir, 'cert-2049.pem');
    fs.writeFileSync(certFile, pem);
    const out = openssl(['verify', '-no_check_time', '-check_ss_sig', '-CAfile', certFile, certFile], '');
    assert.equal(out.trim(), `${certFile}: OK`);
    assert.equal(openssl(['x509', '-noout', '-enddate'], pem).trim(), 'notAfter=May 30 00:00:00 2059 GMT');
  });

  it('refuses non-RSA keys, bad common names and bad validity', async () => {
    const { privateKey: ecKey } = await generateKeyPair('ec', { namedCurve: 'P-256' });
    const code = (expected: string) => (err: unknown) => err instanceof SigningKeyError && err.code === expected;
    assert.throws(() => createSelfSignedCertificate({ privateKey: ecKey, commonName: 'x', validDays: 1 }), code('invalid-key'));
    assert.throws(
      () => createSelfSignedCertificate({ privateKey: crypto.createPublicKey(privateKey), commonName: 'x', validDays: 1 }),
      code('invalid-key'),
    );
    assert.throws(() => createSelfSignedCertificate({ privateKey, commonName: '', validDays: 1 }), code('invalid-option'));
    assert.throws(() => createSelfSignedCertificate({ privateKey, commonName: 'x'.repeat(65), validDays: 1 }), code('invalid-option'));
    assert.throws(() => createSelfSignedCertificate({ privateKey, commonName: 'a\nb', validDays: 1 }), code('invalid-option'));
    for (const validDays of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => createSelfSignedCertificate({ privateKey, commonName: 'x', validDays }), code('invalid-option'));
    }
    assert.throws(
      () => createSelfSignedCertificate({ privateKey, commonName: 'x', validDays: 1, now: new Date(NaN) }),
      code('invalid-option'),
    );
  });
});
