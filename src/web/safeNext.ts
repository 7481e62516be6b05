/**
 * Where to go after sign-in: only a path on this site. Absolute URLs, protocol-relative "//host",
 * backslash tricks and control characters would make the login page an open redirect.
 */
export function safeNext(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) return '/';
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/';
  if (/[\u0000-\u001f\u007f\\]/.test(raw)) return '/';
  return raw;
}
