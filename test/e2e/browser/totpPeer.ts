/**
 * TOTP codes computed by a second, independent implementation: Python's standard library
 * (base64.b32decode, hmac, struct) under Debian's /usr/bin/python3, following RFC 6238 §4 directly.
 * If Sesame's TOTP were wrong in a way its own unit tests share, these codes would not match.
 */
import { execFileSync } from 'node:child_process';
import { SYSTEM_PYTHON } from '../../helpers/peers';

const SCRIPT = `
import base64, hmac, hashlib, struct, sys, time
secret, offset = sys.argv[1], int(sys.argv[2])
key = base64.b32decode(secret.replace(' ', '').upper() + '=' * (-len(secret.replace(' ', '')) % 8))
counter = int(time.time()) // 30 + offset
mac = hmac.new(key, struct.pack('>Q', counter), hashlib.sha1).digest()
o = mac[-1] & 0x0f
print('%06d' % ((struct.unpack('>I', mac[o:o + 4])[0] & 0x7fffffff) % 1000000))
`;

/** The 6-digit code for `secret` at now + offset steps of 30 s. */
export function totpFromPython(secret: string, offsetSteps = 0): string {
  return execFileSync(SYSTEM_PYTHON, ['-c', SCRIPT, secret, String(offsetSteps)], { encoding: 'utf8' }).trim();
}

/** Seconds left in the current 30-second step (tests wait for a fresh step instead of racing a boundary). */
export function secondsLeftInStep(): number {
  return 30 - (Math.floor(Date.now() / 1000) % 30);
}
