import { X509Certificate, type KeyObject } from 'node:crypto';

/** Base64 DER (as metadata carries it) → PEM. */
export function certificatePem(base64Der: string): string {
  const body = base64Der.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${(body.match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** The public key of a base64 DER certificate. */
export function certificatePublicKey(base64Der: string): KeyObject {
  return new X509Certificate(Buffer.from(base64Der.replace(/\s+/g, ''), 'base64')).publicKey;
}
