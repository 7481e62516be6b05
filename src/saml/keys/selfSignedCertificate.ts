import crypto, { type KeyObject } from 'node:crypto';
import {
  derBitString,
  derBoolean,
  derExplicit,
  derInteger,
  derNull,
  derOctetString,
  derOid,
  derSequence,
  derSet,
  derTime,
  derUtf8String,
  readDerElement,
} from './der';
import { SigningKeyError } from './signingKeyError';

export interface SelfSignedCertificateOptions {
  /** RSA private key; the certificate carries its public half and is signed with it. */
  privateKey: KeyObject;
  /** Subject and issuer CN, 1–64 characters (RFC 5280 ub-common-name). */
  commonName: string;
  /** Whole days from `now` until notAfter. */
  validDays: number;
  /** Defaults to the current time; injectable for tests. */
  now?: Date;
}

const OID_SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const OID_COMMON_NAME = '2.5.4.3';
const OID_SUBJECT_KEY_IDENTIFIER = '2.5.29.14';
const OID_KEY_USAGE = '2.5.29.15';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';

/** Tolerate an SP or AWS clock that runs a little behind ours. */
const BACKDATE_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A self-signed X.509 v3 certificate (PEM) for an IdP signing key — the usual form for SAML IdP
 * certificates, which IAM accepts as-is (aws-saml-rules S3). Each extension appears exactly once
 * because IAM rejects metadata whose certificate repeats an extension (S3).
 *
 * This is a primitive: it enforces the key *type* (RSA, since we sign with sha256WithRSAEncryption)
 * but not its size; the ≥ 2048-bit policy lives in `signingKey.ts`.
 */
export function createSelfSignedCertificate(options: SelfSignedCertificateOptions): string {
  const { privateKey, commonName, validDays } = options;
  const now = options.now ?? new Date();

  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'rsa') {
    throw new SigningKeyError(
      'invalid-key',
      `A self-signed certificate needs an RSA private key, got a ${privateKey.type} ` +
        `${privateKey.asymmetricKeyType ?? 'symmetric'} key`,
    );
  }
  const cnLength = [...commonName].length;
  if (cnLength < 1 || cnLength > 64 || /[\u0000-\u001f\u007f]/.test(commonName)) {
    throw new SigningKeyError(
      'invalid-option',
      'Certificate commonName must be 1–64 characters without control characters',
    );
  }
  if (!Number.isSafeInteger(validDays) || validDays < 1) {
    throw new SigningKeyError('invalid-option', `Certificate validDays must be a whole number ≥ 1, got ${validDays}`);
  }
  if (Number.isNaN(now.getTime())) {
    throw new SigningKeyError('invalid-option', 'Certificate "now" is an invalid Date');
  }

  const spki = crypto.createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const name = derSequence(derSet(derSequence(derOid(OID_COMMON_NAME), derUtf8String(commonName))));
  const signatureAlgorithm = derSequence(derOid(OID_SHA256_WITH_RSA), derNull());

  const tbsCertificate = derSequence(
    derExplicit(0, derInteger(2)), // v3
    derInteger(randomSerial()),
    signatureAlgorithm,
    name, // issuer
    derSequence(derTime(new Date(now.getTime() - BACKDATE_MS)), derTime(new Date(now.getTime() + validDays * DAY_MS))),
    name, // subject
    spki,
    derExplicit(3, derSequence(...certificateExtensions(spki))),
  );

  const signature = crypto.sign('sha256', tbsCertificate, privateKey);
  const certificate = derSequence(tbsCertificate, signatureAlgorithm, derBitString(signature));
  return toPem(certificate);
}

/**
 * RFC 5280 wants serials positive, unique per issuer and at most 20 octets; CA/B asks for ≥ 64
 * random bits. 16 random bytes with the top bit cleared (never negative, so no 0x00 pad) and the
 * next bit set (never shrinks below 16 bytes) gives 126 random bits.
 */
function randomSerial(): Buffer {
  const serial = crypto.randomBytes(16);
  serial[0] = ((serial[0] as number) & 0x7f) | 0x40;
  return serial;
}

/** basicConstraints, keyUsage, subjectKeyIdentifier — once each (IAM rejects repeats, S3). */
function certificateExtensions(spki: Buffer): Buffer[] {
  // cA DEFAULT FALSE and pathLen absent: DER omits defaults, so CA:FALSE is an empty SEQUENCE.
  const basicConstraints = derSequence();
  // KeyUsage bit 0 = digitalSignature; DER strips trailing zero bits → one octet 0x80, 7 unused.
  const keyUsage = derBitString(Buffer.from([0x80]), 7);
  // RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value.
  const subjectKeyIdentifier = derOctetString(crypto.createHash('sha1').update(subjectPublicKeyBits(spki)).digest());

  return [
    extension(OID_BASIC_CONSTRAINTS, true, basicConstraints),
    extension(OID_KEY_USAGE, true, keyUsage),
    extension(OID_SUBJECT_KEY_IDENTIFIER, false, subjectKeyIdentifier),
  ];
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  // critical BOOLEAN DEFAULT FALSE: DER must omit it when false.
  return critical
    ? derSequence(derOid(oid), derBoolean(true), derOctetString(value))
    : derSequence(derOid(oid), derOctetString(value));
}

/** The key bits inside SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey BIT STRING }. */
function subjectPublicKeyBits(spki: Buffer): Buffer {
  const outer = readDerElement(spki);
  const algorithm = readDerElement(outer.content);
  const bitString = readDerElement(outer.content, algorithm.end);
  if (outer.tag !== 0x30 || algorithm.tag !== 0x30 || bitString.tag !== 0x03 || bitString.content[0] !== 0) {
    throw new RangeError('Unexpected SubjectPublicKeyInfo structure');
  }
  return bitString.content.subarray(1);
}

function toPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
