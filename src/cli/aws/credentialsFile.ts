import fs from 'node:fs';
import { withFileLock, writeFileAtomically } from './atomicFile';
import type { AwsCredentials } from './stsCredentials';

/** The keys sesame-aws owns in a profile; every other line of the file is left exactly as it was. */
export const MANAGED_KEYS = ['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token', 'x_security_token_expires', 'x_principal_arn'] as const;
/** boto2's old name for the session token: refreshed when a profile already has it, never added. */
const LEGACY_TOKEN_KEY = 'aws_security_token';

const SECTION = /^\s*\[\s*([^\]]*?)\s*\]\s*(?:[#;].*)?$/;
const KEY_LINE = /^([A-Za-z0-9_.-]+)\s*[=:]/;

export function profileEntries(credentials: AwsCredentials, roleArn: string): Array<[string, string]> {
  return [
    ['aws_access_key_id', credentials.AccessKeyId],
    ['aws_secret_access_key', credentials.SecretAccessKey],
    ['aws_session_token', credentials.SessionToken],
    ['x_security_token_expires', credentials.Expiration],
    ['x_principal_arn', roleArn],
  ];
}

/**
 * Sets `entries` in section `[profile]` of an AWS shared credentials file (an INI file) and returns
 * the new text. Lines of other sections, comments, blank lines, unknown keys and the file's line
 * endings survive byte for byte: only the lines of the managed keys in the target section change
 * (every occurrence, so no stale copy is left for a parser that reads the last one), missing keys
 * are added after the section's last key, and a missing section is appended at the end.
 */
export function upsertProfile(text: string, profile: string, entries: Array<[string, string]>): string {
  for (const [key, value] of entries) {
    if (/[\r\n]/.test(value) || /[\r\n]/.test(key)) throw new Error(`credentials value for ${key} contains a line break`);
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const hadFinalEol = text === '' || text.endsWith('\n');
  const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
  const values = new Map(entries);
  const sessionToken = values.get('aws_session_token');
  const written = new Set<string>();

  let current: string | null = null;
  let insertAt = -1; // after the last key line (or the header) of the first [profile] section
  let firstTargetOpen = false;
  lines.forEach((line, index) => {
    const section = SECTION.exec(line);
    if (section) {
      current = section[1]!;
      firstTargetOpen = current === profile && insertAt < 0;
      if (firstTargetOpen) insertAt = index + 1;
      return;
    }
    if (current !== profile) return;
    const key = KEY_LINE.exec(line)?.[1];
    if (key === undefined) return;
    if (values.has(key)) {
      lines[index] = `${key} = ${values.get(key)}`;
      written.add(key);
    } else if (key === LEGACY_TOKEN_KEY && sessionToken !== undefined) {
      lines[index] = `${key} = ${sessionToken}`;
    }
    if (firstTargetOpen) insertAt = index + 1;
  });

  const missing = entries.filter(([key]) => !written.has(key)).map(([key, value]) => `${key} = ${value}`);
  if (insertAt >= 0) {
    lines.splice(insertAt, 0, ...missing);
    return lines.join(eol) + (hadFinalEol ? eol : '');
  }
  const head = text === '' ? '' : text + (hadFinalEol ? '' : eol) + (lines[lines.length - 1]!.trim() === '' ? '' : eol);
  return head + [`[${profile}]`, ...missing].join(eol) + eol;
}

/** Writes the profile into the credentials file: locked, atomically, mode 0600. */
export async function writeProfile(file: string, profile: string, entries: Array<[string, string]>): Promise<void> {
  await withFileLock(file, () => {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    writeFileAtomically(file, upsertProfile(text, profile, entries), 0o600);
  });
}
