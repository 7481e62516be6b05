/**
 * The hot route reads the session cookie without express-session: its reading must agree with
 * express-session's own parser (`cookie`) and signer (`cookie-signature`), the reference here, on
 * every header, tricky ones included. Where they might disagree it must say "not ours" (null), so
 * the request goes the ordinary way and express-session decides.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rolledSessionSetCookie, signedSessionCookieOf } from '../../src/web/sessionCookie';

// express-session's own dependencies, used as the reference implementation.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cookie = require('cookie') as { parse(header: string): Record<string, string>; serialize(name: string, value: string, options: object): string };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const signature = require('cookie-signature') as { sign(value: string, secret: string): string; unsign(value: string, secret: string): string | false };

const SECRET = 'a session secret of at least thirty-two characters';
const SID = 'Xy3_kP-0aZ9qLm2nB7cD4eF1gH6iJ8kL';
const signed = `s:${signature.sign(SID, SECRET)}`;
const encoded = encodeURIComponent(signed);

/** What express-session would take from this header: the session id, or null. */
function reference(header: string): string | null {
  const raw = cookie.parse(header)['sesame.sid'];
  if (!raw || raw.slice(0, 2) !== 's:') return null;
  const sid = signature.unsign(raw.slice(2), SECRET);
  return sid === false ? null : sid;
}

const headers = [
  `sesame.sid=${encoded}`,
  `other=1; sesame.sid=${encoded}; more=2`,
  `  sesame.sid =  ${encoded}  `,
  `\tsesame.sid=${encoded}`,
  `sesame.sid="${encoded}"`,
  `sesame.sid=${signed}`,
  `sesame.sid=s%3Aforged.${encoded.split('.')[1]}`,
  `sesame.sid=${encoded}x`,
  `sesame.sid=bogus; sesame.sid=${encoded}`,
  `sesame.sid=${encoded}; sesame.sid=bogus`,
  `\u00a0sesame.sid=${encoded}`,
  `sesame.sid2=${encoded}`,
  `xsesame.sid=${encoded}`,
  `sesame.sid=%E0%A4%A; sesame.sid=${encoded}`,
  `sesame.sid=${encodeURIComponent(`s:${SID}`)}`,
  `sesame.sid=${encodeURIComponent(`s:${SID}.`)}`,
  `sesame.sid=${encodeURIComponent(`s:.${signed.split('.')[1]}`)}`,
  `sesame.sid`,
  `=${encoded}`,
  ``,
];

test('never accepts a cookie express-session would not accept, and accepts the plain forms it does', () => {
  for (const header of headers) {
    const ours = signedSessionCookieOf(header, SECRET);
    const theirs = reference(header);
    if (ours !== null) assert.equal(ours.sid, theirs, `header ${JSON.stringify(header)}: we read ${ours.sid}, express-session ${theirs}`);
  }
  for (const header of headers.slice(0, 6)) assert.equal(signedSessionCookieOf(header, SECRET)?.sid, SID, JSON.stringify(header));
});

test('a different secret, or a signature of another id, is refused', () => {
  assert.equal(signedSessionCookieOf(`sesame.sid=${encoded}`, 'another secret that is long enough to be used'), null);
  const other = `s:${signature.sign('another-session-id', SECRET)}`;
  const spliced = `s:${SID}.${other.split('.')[1]}`;
  assert.equal(signedSessionCookieOf(`sesame.sid=${encodeURIComponent(spliced)}`, SECRET), null);
});

test('the rolled Set-Cookie is what express-session serializes for the same value and options', () => {
  const expires = new Date(Date.now() + 3_600_000);
  for (const secure of [false, true]) {
    const expected = cookie.serialize('sesame.sid', signed, { expires, httpOnly: true, path: '/', sameSite: 'lax', secure });
    assert.equal(rolledSessionSetCookie({ sid: SID, signedValue: signed }, expires, secure), expected);
  }
});

test('reading stays linear on a long header of spaces (no regex backtracking)', () => {
  const header = `${' '.repeat(16_000)}x; sesame.sid=${encoded}`;
  const started = performance.now();
  for (let i = 0; i < 20; i++) signedSessionCookieOf(header, SECRET);
  // A quadratic trim takes seconds here; the linear one a few milliseconds: the bound only catches the former.
  assert.ok(performance.now() - started < 2000, 'twenty 16 KB headers read in well under two seconds');
});
