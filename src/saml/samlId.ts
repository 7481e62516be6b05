import { randomBytes } from 'node:crypto';

/**
 * An xs:ID value for Response, Assertion and SessionIndex: "_" keeps it an NCName (IDs may not start
 * with a digit); 160 random bits make it unguessable (SAML core 1.3.4 requires ≤ 2^-128 collision odds).
 */
export function newSamlId(): string {
  return '_' + randomBytes(20).toString('hex');
}

/** xs:dateTime in UTC with milliseconds and Z (T7: clients parse it as RFC 3339). */
export function samlInstant(date: Date): string {
  return date.toISOString();
}
