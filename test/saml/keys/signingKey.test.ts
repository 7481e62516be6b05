import assert from 'node:assert/strict';
import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createSelfSignedCertificate } from '../../../src/saml/keys/selfSignedCertificate';
import {
  ensureSigningKey,
  loadSigningKey,
  SigningKeyError,
  type SigningKeyErrorCode,
} from '../../../src/saml/keys/signingKey';

const generateKeyPair = promisify(crypto.generateKeyPair);
const DAY_MS = 24 * 60 * 60 * 1000;

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-keys-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

/** A fresh, empty directory per test so no test sees another's files. */
function freshDir(): string {
  return fs.mkdtempSync(path.join(tmpRoot, 'case-'));
}

const fileMode = (p: string): number => fs.statSync(p).mode & 0o777;
const currentUmask = (): number => {
  const mask = process.umask(0o022);
  process.umask(mask);
  return mask;
};
const pkcs8 = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }) as string;

/** Every private key PEM a test wrote; no error may echo any of its lines. */
const knownKeyPems: string[] = [];

function assertNoKeyMaterial(err: SigningKeyError): void {
  for (const text of [err.message, String(err.stack)]) {
    assert.ok(!text.includes('PRIVATE KEY'), `error text mentions a PEM private key header: ${text}`);
    for (const pem of knownKeyPems) {
      for (const line of pem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))) {
        assert.ok(!text.includes(line), 'error text contains key material');
      }
    }
  }
  assert.equal(err.cause, undefined, 'the underlying crypto error is not chained');
}

async function expectSigningKeyError(
  action: () => unknown,
  code: SigningKeyErrorCode,
  mentions: string[],
): Promise<SigningKeyError> {
  let caught: unknown;
  try {
    await action();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof SigningKeyError, `expected SigningKeyError, got ${String(caught)}`);
  assert.equal(caught.name, 'SigningKeyError');
  assert.equal(caught.code, code, caught.message);
  for (const mention of mentions) assert.ok(caught.message.includes(mention), `"${caught.message}" should mention ${mention}`);
  assertNoKeyMaterial(caught);
  return caught;
}

function writePair(dir: string, privateKey: KeyObject, certificatePem: string): { keyPath: string; certPath: string } {
  const keyPath = path.join(dir, 'signing.key');
  const certPath = path.join(dir, 'signing.crt');
  const keyPem = pkcs8(privateKey);
  knownKeyPems.push(keyPem);
  fs.writeFileSync(keyPath, keyPem, { mode: 0o600 });
  fs.writeFileSync(certPath, certificatePem);
  return { keyPath, certPath };
}

describe('ensureSigningKey', () => {
  it('first start: creates the key (0600, PKCS#8) and a self-signed cert, and its parent directory 0700', async () => {
    const dir = path.join(freshDir(), 'state', 'certs');
    const keyPath = path.join(dir, 'idp-signing.key');
    const certPath = path.join(dir, 'idp-signing.crt');
    const before = Date.now();

    const { key, created } = await ensureSigningKey({ keyPath, certPath, commonName: 'Sesame IdP' });
    knownKeyPems.push(fs.readFileSync(keyPath, 'utf8'));

    assert.equal(created, true);
    assert.equal(fileMode(keyPath), 0o600);
    assert.equal(fileMode(certPath), 0o644 & ~currentUmask());
    assert.equal(fileMode(dir), 0o700);
    assert.equal(fileMode(path.dirname(dir)), 0o700);
    assert.match(fs.readFileSync(keyPath, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);

    const cert = new crypto.X509Certificate(fs.readFileSync(certPath));
    assert.equal(cert.subject, 'CN=Sesame IdP');
    assert.equal(cert.verify(cert.publicKey), true);
    assert.equal(key.privateKey.asymmetricKeyType, 'rsa');
    assert.equal(key.privateKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.ok(cert.checkPrivateKey(key.privateKey));

    assert.equal(key.id, crypto.createHash('sha256').update(cert.raw).digest('hex').slice(0, 16));
    assert.match(key.id, /^[0-9a-f]{16}$/);
    assert.equal(key.certificateBase64, cert.raw.toString('base64'));
    assert.doesNotMatch(key.certificateBase64, /\s/);
    assert.equal(key.certificatePem.replace(/-----[A-Z ]+-----|\s/g, ''), key.certificateBase64);
    const expectedNotAfter = before + 3650 * DAY_MS;
    assert.ok(Math.abs(key.notAfter.getTime() - expectedNotAfter) < 60_000, `notAfter ${key.notAfter.toISOString()}`);
  });

  it('second start: loads the same key and certificate (created false) and leaves the files alone', async () => {
    const dir = freshDir();
    const keyPath = path.join(dir, 'k.pem');
    const certPath = path.join(dir, 'c.pem');
    const first = await ensureSigningKey({ keyPath, certPath, commonName: 'Sesame', validDays: 30 });
    const keyBytes = fs.readFileSync(keyPath);
    const certBytes = fs.readFileSync(certPath);
    knownKeyPems.push(keyBytes.toString('utf8'));

    const second = await ensureSigningKey({ keyPath, certPath, commonName: 'Another name', validDays: 99 });
    assert.equal(second.created, false);
    assert.equal(second.key.id, first.key.id);
    assert.equal(second.key.certificateBase64, first.key.certificateBase64);
    assert.equal(second.key.notAfter.getTime(), first.key.notAfter.getTime());
    assert.equal(pkcs8(second.key.privateKey), pkcs8(first.key.privateKey));
    assert.ok(fs.readFileSync(keyPath).equals(keyBytes));
    assert.ok(fs.readFileSync(certPath).equals(certBytes));
  });

  it('does not change the mode of a parent directory that already exists', async () => {
    const dir = freshDir();
    fs.chmodSync(dir, 0o755);
    await ensureSigningKey({ keyPath: path.join(dir, 'k.pem'), certPath: path.join(dir, 'c.pem'), commonName: 'Sesame' });
    knownKeyPems.push(fs.readFileSync(path.join(dir, 'k.pem'), 'utf8'));
    assert.equal(fileMode(dir), 0o755);
    assert.equal(fileMode(path.join(dir, 'k.pem')), 0o600);
  });

  it('S5: certificate present but key missing → refuses to regenerate and names the missing key file', async () => {
    const dir = freshDir();
    const keyPath = path.join(dir, 'k.pem');
    const certPath = path.join(dir, 'c.pem');
    await ensureSigningKey({ keyPath, certPath, commonName: 'Sesame' });
    knownKeyPems.push(fs.readFileSync(keyPath, 'utf8'));
    const certBytes = fs.readFileSync(certPath);
    fs.rmSync(keyPath);

    const err = await expectSigningKeyError(
      () => ensureSigningKey({ keyPath, certPath, commonName: 'Sesame' }),
      'half-present',
      [keyPath, certPath, 'signing key', 'IAM'],
    );
    assert.equal(err.filePath, keyPath);
    assert.equal(fs.existsSync(keyPath), false, 'no key was generated');
    assert.ok(fs.readFileSync(certPath).equals(certBytes), 'the uploaded certificate is untouched');
  });

  it('S5: key present but certificate missing → refuses to regenerate and names the missing certificate file', async () => {
    const dir = freshDir();
    const keyPath = path.join(dir, 'k.pem');
    const certPath = path.join(dir, 'c.pem');
    await ensureSigningKey({ keyPath, certPath, commonName: 'Sesame' });
    const keyBytes = fs.readFileSync(keyPath);
    knownKeyPems.push(keyBytes.toString('utf8'));
    fs.rmSync(certPath);

    const err = await expectSigningKeyError(
      () => ensureSigningKey({ keyPath, certPath, commonName: 'Sesame' }),
      'half-present',
      [keyPath, certPath, 'signing certificate'],
    );
    assert.equal(err.filePath, certPath);
    assert.equal(fs.existsSync(certPath), false);
    assert.ok(fs.readFileSync(keyPath).equals(keyBytes), 'the key is untouched');
  });

  it('refuses modulusLength below 2048 before touching the disk', async () => {
    const dir = path.join(freshDir(), 'never-created');
    for (const modulusLength of [1024, 2047, 0, Number.NaN]) {
      await expectSigningKeyError(
        () => ensureSigningKey({ keyPath: path.join(dir, 'k'), certPath: path.join(dir, 'c'), commonName: 'S', modulusLength }),
        'invalid-option',
        ['2048'],
      );
    }
    assert.equal(fs.existsSync(dir), false);
  });

  it('refuses the same path for key and certificate', async () => {
    const file = path.join(freshDir(), 'both.pem');
    await expectSigningKeyError(
      () => ensureSigningKey({ keyPath: file, certPath: file, commonName: 'S' }),
      'invalid-option',
      [file],
    );
  });

  it('generates a larger key when asked', async () => {
    const dir = freshDir();
    const { key } = await ensureSigningKey({ keyPath: path.join(dir, 'k'), certPath: path.join(dir, 'c'), commonName: 'S', modulusLength: 3072 });
    knownKeyPems.push(fs.readFileSync(path.join(dir, 'k'), 'utf8'));
    assert.equal(key.privateKey.asymmetricKeyDetails?.modulusLength, 3072);
  });

  it('two processes starting at once: one creates the pair, the other fails without clobbering it', async () => {
    const dir = freshDir();
    const options = { keyPath: path.join(dir, 'k.pem'), certPath: path.join(dir, 'c.pem'), commonName: 'Sesame' };
    const results = await Promise.allSettled([ensureSigningKey(options), ensureSigningKey(options)]);
    knownKeyPems.push(fs.readFileSync(options.keyPath, 'utf8'));

    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(fulfilled.length, 1);
    assert.equal(rejected.length, 1);
    await expectSigningKeyError(() => Promise.reject(rejected[0]!.reason), 'io', [options.keyPath, 'another Sesame process']);

    const winner = (fulfilled[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof ensureSigningKey>>>).value;
    assert.equal(winner.created, true);
    assert.equal(loadSigningKey(options.keyPath, options.certPath).id, winner.key.id);
    assert.equal(fileMode(options.keyPath), 0o600);
  });
});

describe('loadSigningKey', () => {
  let key2048: KeyObject;
  let otherKey2048: KeyObject;

  before(async () => {
    [{ privateKey: key2048 }, { privateKey: otherKey2048 }] = await Promise.all([
      generateKeyPair('rsa', { modulusLength: 2048 }),
      generateKeyPair('rsa', { modulusLength: 2048 }),
    ]);
  });

  it('loads a valid pair written by another tool (PKCS#1 key) and reports its notAfter', () => {
    const dir = freshDir();
    const now = new Date('2030-01-02T03:04:05Z');
    const certPem = createSelfSignedCertificate({ privateKey: key2048, commonName: 'Sesame', validDays: 10, now });
    const keyPath = path.join(dir, 'k.pem');
    const certPath = path.join(dir, 'c.pem');
    const pkcs1 = key2048.export({ type: 'pkcs1', format: 'pem' }) as string;
    knownKeyPems.push(pkcs1);
    fs.writeFileSync(keyPath, pkcs1, { mode: 0o600 });
    fs.writeFileSync(certPath, certPem);

    const key = loadSigningKey(keyPath, certPath);
    assert.equal(key.notAfter.toISOString(), '2030-01-12T03:04:05.000Z');
    assert.equal(pkcs8(key.privateKey), pkcs8(key2048));
    assert.equal(key.certificatePem, new crypto.X509Certificate(certPem).toString());
  });

  it('S3: refuses a 1024-bit RSA key', async () => {
    const { privateKey: weak } = await generateKeyPair('rsa', { modulusLength: 1024 });
    const { keyPath } = writePair(freshDir(), weak, createSelfSignedCertificate({ privateKey: weak, commonName: 'S', validDays: 1 }));
    await expectSigningKeyError(
      () => loadSigningKey(keyPath, keyPath.replace('signing.key', 'signing.crt')),
      'weak-key',
      [keyPath, '1024', '2048'],
    );
  });

  it('refuses a certificate that belongs to a different key, naming both files', async () => {
    const certForOther = createSelfSignedCertificate({ privateKey: otherKey2048, commonName: 'S', validDays: 1 });
    const { keyPath, certPath } = writePair(freshDir(), key2048, certForOther);
    const err = await expectSigningKeyError(() => loadSigningKey(keyPath, certPath), 'key-certificate-mismatch', [keyPath, certPath]);
    assert.equal(err.filePath, certPath);
  });

  it('refuses swapped files: the certificate as key and the key as certificate', async () => {
    const { keyPath, certPath } = writePair(
      freshDir(),
      key2048,
      createSelfSignedCertificate({ privateKey: key2048, commonName: 'S', validDays: 1 }),
    );
    await expectSigningKeyError(() => loadSigningKey(certPath, certPath), 'invalid-key', [certPath]);
    await expectSigningKeyError(() => loadSigningKey(keyPath, keyPath), 'invalid-certificate', [keyPath]);
  });

  it('refuses garbage, missing files, passphrase-protected keys and non-RSA keys, naming the file', async () => {
    const dir = freshDir();
    const certPem = createSelfSignedCertificate({ privateKey: key2048, commonName: 'S', validDays: 1 });
    const { keyPath, certPath } = writePair(dir, key2048, certPem);

    const garbage = path.join(dir, 'garbage.pem');
    fs.writeFileSync(garbage, 'not a pem file\n');
    await expectSigningKeyError(() => loadSigningKey(garbage, certPath), 'invalid-key', [garbage]);
    await expectSigningKeyError(() => loadSigningKey(keyPath, garbage), 'invalid-certificate', [garbage]);

    const missing = path.join(dir, 'missing.pem');
    const missingErr = await expectSigningKeyError(() => loadSigningKey(missing, certPath), 'io', [missing, 'does not exist']);
    assert.equal(missingErr.filePath, missing);
    await expectSigningKeyError(() => loadSigningKey(keyPath, missing), 'io', [missing]);
    await expectSigningKeyError(() => loadSigningKey(dir, certPath), 'io', [dir]);

    const encrypted = path.join(dir, 'encrypted.pem');
    const encryptedPem = key2048.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }) as string;
    knownKeyPems.push(encryptedPem);
    fs.writeFileSync(encrypted, encryptedPem, { mode: 0o600 });
    await expectSigningKeyError(() => loadSigningKey(encrypted, certPath), 'invalid-key', [encrypted, 'passphrase']);

    const { privateKey: ecKey } = await generateKeyPair('ec', { namedCurve: 'P-256' });
    const ecPath = path.join(dir, 'ec.pem');
    knownKeyPems.push(pkcs8(ecKey));
    fs.writeFileSync(ecPath, pkcs8(ecKey), { mode: 0o600 });
    await expectSigningKeyError(() => loadSigningKey(ecPath, certPath), 'invalid-key', [ecPath, 'ec', 'RSA']);

    const { privateKey: pssKey } = await generateKeyPair('rsa-pss', { modulusLength: 2048 });
    const pssPath = path.join(dir, 'pss.pem');
    knownKeyPems.push(pkcs8(pssKey));
    fs.writeFileSync(pssPath, pkcs8(pssKey), { mode: 0o600 });
    await expectSigningKeyError(() => loadSigningKey(pssPath, certPath), 'invalid-key', [pssPath, 'rsa-pss']);
  });
});
