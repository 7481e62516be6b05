import { randomBytes, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { sharedKdfThreads } from './kdfThreads';

/**
 * Password hashing with scrypt (memory-hard, RFC 7914). The stored string carries its own parameters
 * ("scrypt$N$r$p$salt$hash") so they can be raised later without breaking existing hashes.
 * scrypt runs on Sesame's KDF threads (kdfThreads.ts), below the priority of request handling, so
 * hashing never blocks the event loop and a flood of sign-in attempts cannot starve signed-in users.
 */

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** 2^15 × 8 × 128 B = 32 MiB per hash: OWASP's scrypt floor is N=2^17 with r=8 (128 MiB); this trades a little for 2-core hosts. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 32;

function scryptAsync(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return sharedKdfThreads().scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options);
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Parses a stored hash; null when it is not one we produced (treated as a failed check, never as a match). */
function parseHash(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  // scrypt needs N a power of two above 1; the caps keep a planted hash from costing unbounded memory.
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N < 2 || (N & (N - 1)) !== 0 || N > 2 ** 20 || r > 32 || p > 16) return null;
  return { params: { N, r, p }, salt: Buffer.from(parts[4]!, 'base64'), key: Buffer.from(parts[5]!, 'base64') };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed || parsed.key.length !== KEY_LENGTH) return false;
  try {
    const key = await scryptAsync(password, parsed.salt, parsed.params);
    return timingSafeEqual(key, parsed.key);
  } catch {
    // Parameters node's scrypt refuses (e.g. memory limits) make a hash that can never match.
    return false;
  }
}

/** True when a hash was made with weaker parameters than the current default (rehash on next sign-in). */
export function needsRehash(stored: string, params: ScryptParams = DEFAULT_SCRYPT): boolean {
  const parsed = parseHash(stored);
  return !parsed || parsed.params.N < params.N || parsed.params.r < params.r || parsed.params.p < params.p;
}
