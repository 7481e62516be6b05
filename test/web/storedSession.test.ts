/**
 * Issue 6: the hot route's stored-session reader. It must accept exactly the sessions
 * express-session + loadSignedInUser would treat as signed in, and roll them the same way; every
 * other request must go on (next('route')) to the ordinary stack. The sessions and cookies here
 * are made by the real express-session, over the real store, so a format drift would show.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import express from 'express';
import session from 'express-session';
import { SqliteStore } from '../../src/store/sqliteStore';
import type { UserRecord } from '../../src/store/store';
import { StoreSessionStore } from '../../src/web/storeSessionStore';
import { readStoredSession } from '../../src/web/storedSession';
import { SESSION_COOKIE_NAME, sessionCookieOptions } from '../../src/web/sessionCookie';
import { currentClient } from '../../src/web/sessionClient';
import type { SecondFactorCheck } from '../../src/auth/secondFactor';

const SECRET = 'a session secret of at least thirty-two characters';
const IDLE_MS = 60 * 60 * 1000;
const MAX_SECONDS = 8 * 60 * 60;

let dir: string;
let store: SqliteStore;
let server: http.Server;
let baseUrl: string;
let alice: UserRecord;
let bob: UserRecord;
/** Users the second-factor policy applies to, changed by the tests. */
const needSecondFactor = new Set<number>();
let touches: Array<{ sid: string; expiresAt: number }>;

const secondFactor: SecondFactorCheck = {
  isRequired: async (user) => needSecondFactor.has(user.id),
  verify: async () => 'invalid',
};

function appUnderTest(secureCookies: boolean): express.Express {
  const app = express();
  // A TLS-terminating proxy on loopback says whether the browser used HTTPS (X-Forwarded-Proto).
  app.set('trust proxy', 'loopback');
  const hot = readStoredSession({ store, sessionSecret: SECRET, maxSessionSeconds: MAX_SECONDS, checks: { secondFactor }, tracksClients: true });
  app.get('/hot', hot, (req, res) => {
    res.json({ path: 'hot', user: req.user!.username, sessionIndex: req.storedSession!.sessionIndex, hasExpressSession: req.session !== undefined });
  });
  app.use(
    session({
      name: SESSION_COOKIE_NAME,
      secret: SECRET,
      store: new StoreSessionStore(store),
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: { ...sessionCookieOptions(secureCookies), maxAge: IDLE_MS },
    }),
  );
  // What the sign-in route stores (loginRoutes.ts), set here directly.
  app.get('/test-sign-in', (req, res) => {
    const user = req.query.user === 'bob' ? bob : alice;
    req.session.userId = user.id;
    req.session.authnInstant = Number(req.query.authnInstant ?? Date.now());
    req.session.sessionIndex = `_index-${user.username}`;
    req.session.secondFactor = req.query.secondFactor === 'yes';
    req.session.client = currentClient(req);
    res.json({ ok: true });
  });
  // The ordinary stack records where a session is used from (accountRoutes' rememberClient).
  app.get('/hot', (req, res) => {
    if (req.session.userId !== undefined) req.session.client = currentClient(req);
    res.json({ path: 'ordinary', userId: req.session.userId ?? null });
  });
  // A page served by express-session, to compare its rolled cookie with the reader's.
  app.get('/ordinary', (req, res) => res.json({ path: 'ordinary', userId: req.session.userId ?? null }));
  return app;
}

async function get(pathName: string, cookie?: string, headers: Record<string, string> = {}) {
  const response = await fetch(baseUrl + pathName, { headers: { ...(cookie ? { cookie } : {}), ...headers } });
  return { status: response.status, setCookie: response.headers.getSetCookie(), json: (await response.json()) as Record<string, unknown> };
}

/** Signs in through express-session; returns the Cookie header a browser would send back. */
async function signInAs(user: 'alice' | 'bob', query = ''): Promise<string> {
  const response = await get(`/test-sign-in?user=${user}${query}`);
  assert.equal(response.status, 200);
  const [pair] = response.setCookie[0]!.split(';');
  return pair!;
}

const sidOf = (cookie: string) => decodeURIComponent(cookie.split('=')[1]!).slice(2).split('.')[0]!;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-stored-session-'));
  store = SqliteStore.open(dir);
  alice = await store.createUser({ username: 'alice', displayName: 'Alice', email: null, passwordHash: null, isAdmin: false });
  bob = await store.createUser({ username: 'bob', displayName: 'Bob', email: null, passwordHash: null, isAdmin: false });
  const touchSession = store.touchSession.bind(store);
  store.touchSession = async (sid, expiresAt) => {
    touches.push({ sid, expiresAt });
    return touchSession(sid, expiresAt);
  };
  server = http.createServer(appUnderTest(false));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  touches = [];
  needSecondFactor.clear();
  await store.setUserDisabled(bob.id, false);
});

describe('stored-session reader', () => {
  test('a signed-in session made by express-session is served by the reader, without express-session', async () => {
    const cookie = await signInAs('alice');
    const response = await get('/hot', cookie);
    assert.deepEqual(response.json, { path: 'hot', user: 'alice', sessionIndex: '_index-alice', hasExpressSession: false });
  });

  test('its rolled cookie is byte for byte the one express-session sends for the same session, apart from the expiry', async () => {
    const cookie = await signInAs('alice');
    const hot = await get('/hot', cookie);
    const ordinary = await get('/ordinary', cookie);
    assert.equal(hot.setCookie.length, 1);
    assert.equal(ordinary.setCookie.length, 1);
    const withoutExpiry = (header: string) => header.replace(/; Expires=[^;]+/, '; Expires=X');
    assert.equal(withoutExpiry(hot.setCookie[0]!), withoutExpiry(ordinary.setCookie[0]!));
    const expires = Date.parse(/Expires=([^;]+)/.exec(hot.setCookie[0]!)![1]!);
    assert.ok(Math.abs(expires - (Date.now() + IDLE_MS)) < 5_000, 'rolled to now + the idle time');
  });

  test('the expiry is written only once it moved by a sixtieth of the idle time', async () => {
    const cookie = await signInAs('alice');
    await get('/hot', cookie);
    assert.equal(touches.length, 0, 'just stored: nothing to write');
    const sid = sidOf(cookie);
    const row = await store.getSession(sid, Date.now());
    await store.touchSession(sid, row!.expiresAt - IDLE_MS / 60 - 1000);
    touches = [];
    await get('/hot', cookie);
    assert.equal(touches.length, 1);
    assert.equal(touches[0]!.sid, sid);
    assert.ok(touches[0]!.expiresAt > row!.expiresAt - 1000);
  });

  test('no cookie, an anonymous session, or a forged signature go the ordinary way', async () => {
    assert.equal((await get('/hot')).json.path, 'ordinary');
    const cookie = await signInAs('alice');
    const [name, value] = cookie.split('=') as [string, string];
    const decoded = decodeURIComponent(value);
    const forged = `${name}=${encodeURIComponent(decoded.slice(0, -2) + (decoded.endsWith('AA') ? 'BB' : 'AA'))}`;
    const response = await get('/hot', forged);
    assert.equal(response.json.path, 'ordinary');
    assert.equal(response.json.userId, null, 'express-session does not accept it either');
    const otherSid = `${name}=${encodeURIComponent(`s:${'x'.repeat(32)}${decoded.slice(decoded.lastIndexOf('.'))}`)}`;
    assert.equal((await get('/hot', otherSid)).json.path, 'ordinary', "another session id under alice's signature");
  });

  test('a disabled user, a session past its absolute limit, or a destroyed session go the ordinary way', async () => {
    const bobCookie = await signInAs('bob');
    await store.setUserDisabled(bob.id, true);
    assert.equal((await get('/hot', bobCookie)).json.path, 'ordinary');

    const old = await signInAs('alice', `&authnInstant=${Date.now() - MAX_SECONDS * 1000 - 1000}`);
    assert.equal((await get('/hot', old)).json.path, 'ordinary');

    const gone = await signInAs('alice');
    await store.destroySession(sidOf(gone));
    assert.equal((await get('/hot', gone)).json.path, 'ordinary');
  });

  test('a password-only session of a user who now needs a second factor goes the ordinary way (step-up); one with both factors is served', async () => {
    needSecondFactor.add(alice.id);
    const passwordOnly = await signInAs('alice');
    assert.equal((await get('/hot', passwordOnly)).json.path, 'ordinary');
    const bothFactors = await signInAs('alice', '&secondFactor=yes');
    assert.equal((await get('/hot', bothFactors)).json.path, 'hot');
  });

  test('a Secure session cookie over plain HTTP goes the ordinary way (express-session would not roll it); over HTTPS it is served', async () => {
    const secureServer = http.createServer(appUnderTest(true));
    await new Promise<void>((resolve) => secureServer.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(secureServer.address() as { port: number }).port}`;
      const https = { 'x-forwarded-proto': 'https' };
      const signIn = await fetch(`${url}/test-sign-in?user=alice`, { headers: https });
      const setCookie = signIn.headers.getSetCookie()[0]!;
      assert.match(setCookie, /; Secure/);
      const cookie = setCookie.split(';')[0]!;
      const overHttp = await fetch(`${url}/hot`, { headers: { cookie } });
      assert.equal(((await overHttp.json()) as { path: string }).path, 'ordinary');
      const overHttps = await fetch(`${url}/hot`, { headers: { cookie, ...https } });
      assert.equal(((await overHttps.json()) as { path: string }).path, 'hot');
      assert.match(overHttps.headers.getSetCookie()[0]!, /; Secure; SameSite=Lax$/);
    } finally {
      await new Promise((resolve) => secureServer.close(resolve));
    }
  });

  test('a session used from a new browser goes the ordinary way once, which records it ("active sessions"); then it is served', async () => {
    const cookie = await signInAs('alice');
    assert.equal((await get('/hot', cookie)).json.path, 'hot');
    const elsewhere = { 'user-agent': 'another browser' };
    assert.equal((await get('/hot', cookie, elsewhere)).json.path, 'ordinary');
    assert.equal((await get('/hot', cookie, elsewhere)).json.path, 'hot');
  });
});
