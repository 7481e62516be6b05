import { createHash } from 'node:crypto';
import { AwsRuleError } from './awsRuleError';

/** What STS and the console accept as RoleSessionName (A2); anything else fails with InvalidIdentityToken. */
export const ROLE_SESSION_NAME_PATTERN = /^[A-Za-z0-9_+=,.@-]{2,64}$/;

const MAX_LENGTH = 64;
const HASH_LENGTH = 8;
const COMBINING_MARKS = /\p{M}/gu;
// The `u` flag makes an astral character (emoji) one match, so it becomes one hyphen, not two.
const DISALLOWED_CHAR = /[^A-Za-z0-9_+=,.@-]/gu;
const HYPHEN_RUN = /-{2,}/g;
const EDGE_HYPHENS = /^-+|-+$/g;

/** A short, stable fingerprint of the untouched source, so lossy cuts still tell users apart. */
function sourceFingerprint(source: string): string {
  return createHash('sha256').update(source, 'utf8').digest('hex').slice(0, HASH_LENGTH);
}

/**
 * Turns a user identifier (email or username) into a RoleSessionName (A2). The name is shown in the
 * console header and ends the assumed-role ARN in CloudTrail, so it stays readable: accents are
 * dropped (é→e), other characters become `-`. Deterministic, so one user always gets the same
 * session name. Throws only for an empty source, which is a data bug, never for odd user input.
 */
export function toRoleSessionName(source: string): string {
  if (typeof source !== 'string' || source === '') {
    throw new AwsRuleError(
      'A2',
      'cannot derive a RoleSessionName from an empty user identifier — give the user a username or an email address',
    );
  }
  if (ROLE_SESSION_NAME_PATTERN.test(source)) {
    return source;
  }
  let name = source
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .replace(DISALLOWED_CHAR, '-')
    .replace(HYPHEN_RUN, '-')
    .replace(EDGE_HYPHENS, '');
  if (name.length > MAX_LENGTH) {
    // Keep a hash of the full source: two long identifiers sharing their first 64 characters must
    // not end up as the same session name in CloudTrail.
    const head = name.slice(0, MAX_LENGTH - HASH_LENGTH - 1).replace(EDGE_HYPHENS, '');
    name = `${head}-${sourceFingerprint(source)}`;
  } else if (name.length < 2) {
    // Mostly non-Latin identifiers (山田, 🙂) map to nothing; the hash keeps such users apart.
    name = `${name || 'u'}-${sourceFingerprint(source)}`;
  }
  return name;
}
