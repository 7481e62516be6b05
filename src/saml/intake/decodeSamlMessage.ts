import { inflateRawSync } from 'node:zlib';
import { INTAKE_LIMITS } from './intakeLimits';
import { INTAKE_RULES, SamlIntakeError } from './samlIntakeError';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function base64Bytes(value: string, parameter: string): Buffer {
  const compact = value.replace(/[\r\n\t ]/g, '');
  if (compact.length === 0) throw new SamlIntakeError(INTAKE_RULES.encoding, `The ${parameter} parameter is empty.`);
  if (compact.length > INTAKE_LIMITS.maxEncodedChars) {
    throw new SamlIntakeError(INTAKE_RULES.size, `The ${parameter} parameter is longer than ${INTAKE_LIMITS.maxEncodedChars} characters.`, 413);
  }
  if (!BASE64.test(compact) || compact.length % 4 === 1) {
    throw new SamlIntakeError(INTAKE_RULES.encoding, `The ${parameter} parameter is not base64.`);
  }
  return Buffer.from(compact, 'base64');
}

function utf8Text(bytes: Buffer, parameter: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new SamlIntakeError(INTAKE_RULES.encoding, `The ${parameter} message is not UTF-8.`);
  }
}

/**
 * HTTP-Redirect binding (SAML bindings 3.4.4.1): base64 of raw DEFLATE. Inflation is capped with
 * maxOutputLength so a DEFLATE bomb costs at most the cap, never memory (samlify inflates without
 * one, security-notes §2.3 item 1).
 */
export function decodeRedirectMessage(value: string, parameter: string): string {
  const deflated = base64Bytes(value, parameter);
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(deflated, { maxOutputLength: INTAKE_LIMITS.maxInflatedBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw new SamlIntakeError(INTAKE_RULES.inflate, `The ${parameter} message inflates to more than ${INTAKE_LIMITS.maxInflatedBytes} bytes; refused as a DEFLATE bomb.`, 413);
    }
    throw new SamlIntakeError(INTAKE_RULES.inflate, `The ${parameter} parameter is not DEFLATE-compressed as the HTTP-Redirect binding requires.`);
  }
  return utf8Text(inflated, parameter);
}

/**
 * HTTP-POST binding (SAML bindings 3.5.4): plain base64, no compression. @node-saml/node-saml 5.1
 * nevertheless DEFLATEs the AuthnRequest of its POST form, so a body that is not XML is inflated
 * under the same cap as the Redirect binding before it is refused.
 */
export function decodePostMessage(value: string, parameter: string): string {
  const bytes = base64Bytes(value, parameter);
  const first = bytes.subarray(0, 4).toString('latin1').replace(/^﻿|^ï»¿/, '').trimStart();
  if (first.startsWith('<') || bytes.length === 0) return utf8Text(bytes, parameter);
  return decodeRedirectMessage(value, parameter);
}
