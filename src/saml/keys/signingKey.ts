import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { createSelfSignedCertificate } from './selfSignedCertificate';
import { SigningKeyError } from './signingKeyError';

export { SigningKeyError, type SigningKeyErrorCode } from './signingKeyError';

/** The IdP's assertion-signing key with the certificate published in metadata (aws-saml-rules S3–S5). */
export interface SigningKey {
  /** First 16 hex digits of SHA-256 over the certificate DER: short, stable, safe to log. */
  id: string;
  privateKey: KeyObject;
  certificatePem: string;
  /** Certificate DER as base64 without line breaks: the content of <ds:X509Certificate>. */
  certificateBase64: string;
  notAfter: Date;
}

export interface EnsureSigningKeyOptions {
  keyPath: string;
  certPath: string;
  /** Subject/issuer CN of a newly generated certificate. */
  commonName: string;
  /** RSA modulus size for a new key; at least 2048. */
  modulusLength?: number;
  /** Validity of a new certificate in days. */
  validDays?: number;
}

/**
 * IAM accepts 1024-bit certificates (S3) but such keys are factorable by well-funded attackers and
 * anyone who can forge our signature can sign in to every AWS account that trusts us.
 */
export const MIN_RSA_MODULUS_BITS = 2048;

const generateKeyPair = promisify(crypto.generateKeyPair);

/**
 * Reads and validates an existing key pair: unencrypted RSA private key of ≥ 2048 bits, and a
 * certificate whose public key is that key's public half. Throws SigningKeyError naming the file.
 */
export function loadSigningKey(keyPath: string, certPath: string): SigningKey {
  const privateKey = parsePrivateKey(readTextFile(keyPath, 'signing key'), keyPath);
  const certificate = parseCertificate(readTextFile(certPath, 'signing certificate'), certPath);

  const keySpki = crypto.createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const certSpki = certificate.publicKey.export({ type: 'spki', format: 'der' });
  if (!keySpki.equals(certSpki)) {
    throw new SigningKeyError(
      'key-certificate-mismatch',
      `Signing certificate ${certPath} does not belong to signing key ${keyPath}: its public key is ` +
        `not the key's public half. Restore the matching pair; if you replace the certificate, upload ` +
        `the new metadata to IAM too (aws-saml-rules S5).`,
      certPath,
    );
  }

  const notAfter = new Date(certificate.validTo);
  if (Number.isNaN(notAfter.getTime())) {
    throw new SigningKeyError(
      'invalid-certificate',
      `Signing certificate ${certPath} has an unreadable notAfter date`,
      certPath,
    );
  }
  const der = certificate.raw;
  return {
    id: crypto.createHash('sha256').update(der).digest('hex').slice(0, 16),
    privateKey,
    certificatePem: certificate.toString(),
    certificateBase64: der.toString('base64'),
    notAfter,
  };
}

/**
 * Loads the signing key pair, or on first start generates one (RSA + self-signed certificate).
 *
 * If only one of the two files exists we stop instead of regenerating: the admin has most likely
 * uploaded that certificate to IAM already, and a silent new key would break every sign-in with
 * "Response signature invalid" (S5).
 */
export async function ensureSigningKey(
  options: EnsureSigningKeyOptions,
): Promise<{ key: SigningKey; created: boolean }> {
  const { keyPath, certPath, commonName, modulusLength = MIN_RSA_MODULUS_BITS, validDays = 3650 } = options;

  if (!Number.isSafeInteger(modulusLength) || modulusLength < MIN_RSA_MODULUS_BITS || modulusLength > 16384) {
    throw new SigningKeyError(
      'invalid-option',
      `Signing key modulusLength must be a whole number from ${MIN_RSA_MODULUS_BITS} to 16384, got ${modulusLength}`,
    );
  }
  if (path.resolve(keyPath) === path.resolve(certPath)) {
    throw new SigningKeyError('invalid-option', `Signing key and certificate must be different files, both are ${keyPath}`);
  }

  const keyExists = await pathExists(keyPath, 'signing key');
  const certExists = await pathExists(certPath, 'signing certificate');
  if (keyExists && certExists) return { key: loadSigningKey(keyPath, certPath), created: false };
  if (keyExists !== certExists) {
    const [present, missing] = keyExists ? [keyPath, certPath] : [certPath, keyPath];
    const missingWhat = keyExists ? 'signing certificate' : 'signing key';
    throw new SigningKeyError(
      'half-present',
      `${present} exists but the ${missingWhat} ${missing} is missing. Sesame will not generate a new ` +
        `pair over it, because the old certificate may already be uploaded to IAM. Restore ${missing}, ` +
        `or remove ${present} as well to generate a new pair (then upload the new metadata to IAM).`,
      missing,
    );
  }

  const { privateKey } = await generateKeyPair('rsa', { modulusLength, publicExponent: 0x10001 });
  const certificatePem = createSelfSignedCertificate({ privateKey, commonName, validDays });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

  await makeParentDirectory(keyPath);
  await makeParentDirectory(certPath);
  await writeNewFile(keyPath, keyPem, 0o600, 'signing key');
  try {
    await writeNewFile(certPath, certificatePem, 0o644, 'signing certificate');
  } catch (err) {
    // Leave no half-present pair behind: that state is reserved for "the admin lost a file".
    await fs.promises.unlink(keyPath).catch(() => undefined);
    throw err;
  }
  // Re-read from disk so the caller gets exactly what the next start will load.
  return { key: loadSigningKey(keyPath, certPath), created: true };
}

function readTextFile(filePath: string, what: string): string {
  try {
    return fs.readFileSync(filePath, 'utf8');
  } catch (err) {
    const code = errnoCode(err);
    const reason =
      code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable by this user' : `could not be read (${code})`;
    throw new SigningKeyError('io', `The ${what} file ${filePath} ${reason}`, filePath);
  }
}

function parsePrivateKey(pem: string, keyPath: string): KeyObject {
  let key: KeyObject;
  try {
    key = crypto.createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    // The underlying error is dropped on purpose: keep key-derived text out of anything we report.
    // OpenSSL 3 reports a missing passphrase as "interrupted or cancelled", so look at the PEM labels too.
    const encrypted =
      errnoCode(err) === 'ERR_MISSING_PASSPHRASE' ||
      /^-----BEGIN ENCRYPTED PRIVATE\x20KEY-----|^Proc-Type: 4,ENCRYPTED/m.test(pem);
    const message = encrypted
        ? `Signing key ${keyPath} is passphrase-protected; Sesame needs an unencrypted PEM key, protected by file mode 0600`
        : `Signing key ${keyPath} does not contain a PEM private key (PKCS#8 or PKCS#1 RSA expected)`;
    throw new SigningKeyError('invalid-key', message, keyPath);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    // rsa-pss keys are refused too: XML-DSig rsa-sha256 (S2) means PKCS#1 v1.5 signatures.
    throw new SigningKeyError(
      'invalid-key',
      `Signing key ${keyPath} is a ${key.asymmetricKeyType ?? 'unknown'} key; AWS needs an RSA key (aws-saml-rules S3)`,
      keyPath,
    );
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_MODULUS_BITS) {
    throw new SigningKeyError(
      'weak-key',
      `Signing key ${keyPath} is a ${bits}-bit RSA key; Sesame requires at least ${MIN_RSA_MODULUS_BITS} bits. ` +
        `Generate a new pair and upload the new metadata to IAM.`,
      keyPath,
    );
  }
  return key;
}

function parseCertificate(pem: string, certPath: string): crypto.X509Certificate {
  try {
    return new crypto.X509Certificate(pem);
  } catch {
    throw new SigningKeyError(
      'invalid-certificate',
      `Signing certificate ${certPath} does not contain a PEM X.509 certificate`,
      certPath,
    );
  }
}

async function pathExists(filePath: string, what: string): Promise<boolean> {
  try {
    await fs.promises.lstat(filePath);
    return true;
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') return false;
    // EACCES on a parent directory must not read as "absent" and trigger a regeneration.
    throw new SigningKeyError('io', `Cannot check whether the ${what} file ${filePath} exists (${code})`, filePath);
  }
}

async function makeParentDirectory(filePath: string): Promise<void> {
  const dir = path.dirname(filePath);
  try {
    // mode only applies to directories this call creates; existing ones keep their mode.
    await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new SigningKeyError('io', `Cannot create directory ${dir} (${errnoCode(err)})`, dir);
  }
}

/**
 * O_CREAT|O_EXCL ('wx') with the final mode from the start: never clobbers an existing file (or a
 * symlink planted in its place) and the key is never readable by others, not even between open and
 * chmod.
 */
async function writeNewFile(filePath: string, contents: string, mode: number, what: string): Promise<void> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(filePath, 'wx', mode);
  } catch (err) {
    const code = errnoCode(err);
    const reason =
      code === 'EEXIST'
        ? 'appeared while Sesame was creating it (is another Sesame process starting?); it was left untouched, start again'
        : `could not be created (${code})`;
    throw new SigningKeyError('io', `The ${what} file ${filePath} ${reason}`, filePath);
  }
  try {
    await handle.writeFile(contents, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.promises.unlink(filePath).catch(() => undefined);
    throw new SigningKeyError('io', `The ${what} file ${filePath} could not be written (${errnoCode(err)})`, filePath);
  }
  await handle.close();
}

function errnoCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : 'unknown error';
}
