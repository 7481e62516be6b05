import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The session cookie, as express-session writes it: `s:` + session id + `.` + HMAC-SHA256 of the id
 * (base64, padding stripped; the cookie-signature format), URI-encoded. Read and rolled here too, so
 * the hot route (GET /aws/sso) can serve a signed-in browser without running express-session.
 */
export const SESSION_COOKIE_NAME = 'sesame.sid';

/** The attributes every session cookie carries; app.ts hands the same ones to express-session. */
export function sessionCookieOptions(secure: boolean) {
  return { httpOnly: true, sameSite: 'lax' as const, secure, path: '/' };
}

function signatureOf(sid: string, secret: string): string {
  return createHmac('sha256', secret).update(sid).digest('base64').replace(/=+$/, '');
}

/** Linear in the length whatever the input (a trailing-whitespace regex is quadratic on long runs of spaces). */
function trimSpacesAndTabs(text: string): string {
  const blank = (i: number) => text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09;
  let start = 0;
  let end = text.length;
  while (start < end && blank(start)) start++;
  while (end > start && blank(end - 1)) end--;
  return text.slice(start, end);
}

/**
 * The first cookie called `name` in a Cookie header, as the `cookie` package (express-session's
 * parser) reads it: first occurrence wins, optional double quotes, URI-decoded. Undefined when
 * absent or not decodable, which sends the request the slow way, where express-session decides.
 */
function cookieValue(header: string, name: string): string | undefined {
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    // Only spaces and tabs are trimmed, as that parser does: a name it would not match must not match here.
    if (eq === -1 || trimSpacesAndTabs(pair.slice(0, eq)) !== name) continue;
    let value = trimSpacesAndTabs(pair.slice(eq + 1));
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** A correctly signed session cookie: the session id, and the signed value to send back when rolling it. */
export interface SignedSessionCookie {
  sid: string;
  signedValue: string;
}

/** The correctly signed session cookie in this Cookie header; null when absent or not ours. */
export function signedSessionCookieOf(cookieHeader: string | undefined, secret: string): SignedSessionCookie | null {
  if (!cookieHeader) return null;
  const signedValue = cookieValue(cookieHeader, SESSION_COOKIE_NAME);
  if (!signedValue?.startsWith('s:')) return null;
  const dot = signedValue.lastIndexOf('.');
  if (dot <= 2) return null;
  const sid = signedValue.slice(2, dot);
  const given = Buffer.from(signedValue.slice(dot + 1));
  const expected = Buffer.from(signatureOf(sid, secret));
  return given.length === expected.length && timingSafeEqual(given, expected) ? { sid, signedValue } : null;
}

/** A Set-Cookie value byte for byte like express-session's when it rolls this session to a new expiry. */
export function rolledSessionSetCookie(cookie: SignedSessionCookie, expires: Date, secure: boolean): string {
  return `${SESSION_COOKIE_NAME}=${encodeURIComponent(cookie.signedValue)}; Path=/; Expires=${expires.toUTCString()}; HttpOnly${secure ? '; Secure' : ''}; SameSite=Lax`;
}
