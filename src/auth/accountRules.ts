/** What a username, display name, email and password may be. Shared by the CLI, the setup page and sign-in. */

export class AccountInputError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'AccountInputError';
  }
}

const USERNAME = /^[a-z0-9][a-z0-9._@+-]{0,63}$/;
// Pragmatic address check (RFC 5321 sizes); deliverability is the directory's business, not ours.
const EMAIL = /^[^\s@<>()"\\,;:]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

/** Usernames are compared case-insensitively and stored lower-case (NFKC first, so look-alike forms fold together). */
export function normalizeUsername(raw: string): string {
  return raw.normalize('NFKC').trim().toLowerCase();
}

export function checkUsername(raw: string): string {
  const username = normalizeUsername(raw);
  if (!USERNAME.test(username)) {
    throw new AccountInputError(
      'username',
      `username "${raw.slice(0, 80)}" is not allowed: use 1–64 of a–z, 0–9 and . _ @ + -, starting with a letter or digit`,
    );
  }
  return username;
}

export function checkEmail(raw: string | null | undefined): string | null {
  if (raw === undefined || raw === null || raw.trim() === '') return null;
  const email = raw.trim();
  if (email.length > 254 || !EMAIL.test(email)) throw new AccountInputError('email', `"${email.slice(0, 80)}" is not an email address`);
  return email;
}

export function checkDisplayName(raw: string | null | undefined, fallback: string): string {
  const name = (raw ?? '').normalize('NFC').trim();
  if (name === '') return fallback;
  if (name.length > 128) throw new AccountInputError('displayName', 'display name must be at most 128 characters');
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name)) throw new AccountInputError('displayName', 'display name must not contain control characters or line separators');
  return name;
}

export function checkNewPassword(password: string, username: string): string {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new AccountInputError('password', `password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (password.length > MAX_PASSWORD_LENGTH) throw new AccountInputError('password', `password must be at most ${MAX_PASSWORD_LENGTH} characters`);
  if (password.toLowerCase().includes(username.toLowerCase())) throw new AccountInputError('password', 'password must not contain the username');
  return password;
}
