import { createHmac, randomInt } from 'node:crypto';

/**
 * One-time recovery codes for when the authenticator is lost. Ten codes of 12 characters from a
 * 31-character alphabet without look-alikes (59 bits each): too much entropy to brute force within
 * the guess throttle, so a keyed hash (HMAC-SHA-256 with an installation pepper) is enough to
 * keep a stolen database from revealing them, without scrypt's cost per try.
 */

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'; // no i, l, o, 0, 1
const GROUP = 4;
const GROUPS = 3;

export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  const codes = new Set<string>();
  while (codes.size < count) {
    const chars = Array.from({ length: GROUP * GROUPS }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    codes.add(chars.match(new RegExp(`.{${GROUP}}`, 'g'))!.join('-'));
  }
  return [...codes];
}

/** Lower case, without spaces or dashes: what users type is forgiven its formatting. */
export function normalizeRecoveryCode(input: string): string {
  return input.toLowerCase().replace(/[\s-]/g, '');
}

export function looksLikeRecoveryCode(input: string): boolean {
  return new RegExp(`^[${ALPHABET}]{${GROUP * GROUPS}}$`).test(normalizeRecoveryCode(input));
}

export function hashRecoveryCode(pepper: string, code: string): string {
  return createHmac('sha256', pepper).update(normalizeRecoveryCode(code)).digest('hex');
}

/**
 * The one-time code an administrator issues so a user can enrol a second factor at sign-in: the same
 * alphabet and shape as a recovery code, hashed under its own label so neither can stand for the other.
 */
export function generateEnrolmentCode(): string {
  return generateRecoveryCodes(1)[0]!;
}

export function hashEnrolmentCode(pepper: string, code: string): string {
  return createHmac('sha256', pepper).update('enrolment-code:' + normalizeRecoveryCode(code)).digest('hex');
}
