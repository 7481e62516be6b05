/**
 * Issue 6: a rolling session's expiry is written to the store at most once per sixtieth of the idle
 * time, so worker processes do not queue for SQLite's single writer on every click; the session can
 * end that much early, never late.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type session from 'express-session';
import { SqliteStore } from '../../src/store/sqliteStore';
import { StoreSessionStore } from '../../src/web/storeSessionStore';

const HOUR = 60 * 60 * 1000;
let dir: string;
let store: SqliteStore;
let touches: number;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-sessions-'));
  store = SqliteStore.open(dir);
  const touchSession = store.touchSession.bind(store);
  store.touchSession = async (sid, expiresAt) => {
    touches++;
    return touchSession(sid, expiresAt);
  };
});
after(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const sessionExpiring = (at: number): session.SessionData =>
  ({ cookie: { originalMaxAge: HOUR, expires: new Date(at), httpOnly: true, path: '/' }, userId: 1 }) as unknown as session.SessionData;

function call<T>(fn: (callback: (err?: unknown, value?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

async function storedExpiry(sid: string): Promise<number> {
  return (await store.getSession(sid, 0))!.expiresAt;
}

test('a request that moves the expiry by less than a minute (of a 60-minute idle time) writes nothing', async () => {
  const sessions = new StoreSessionStore(store);
  const t0 = Date.now() + HOUR;
  await call((cb) => sessions.set('sid-a', sessionExpiring(t0), cb));
  touches = 0;
  await call((cb) => sessions.get('sid-a', cb));
  let calledBack = false;
  sessions.touch('sid-a', sessionExpiring(t0 + 59_000), () => (calledBack = true));
  assert.ok(calledBack, 'answered at once, so express-session sends the response in one piece');
  assert.equal(touches, 0);
  assert.equal(await storedExpiry('sid-a'), t0, 'the stored expiry stays the earlier one: the session can only end early');
});

test('once the expiry moved by a minute or more, it is written', async () => {
  const sessions = new StoreSessionStore(store);
  const t0 = Date.now() + HOUR;
  await call((cb) => sessions.set('sid-b', sessionExpiring(t0), cb));
  touches = 0;
  await call((cb) => sessions.get('sid-b', cb));
  await call((cb) => sessions.touch('sid-b', sessionExpiring(t0 + 60_000), () => cb()));
  assert.equal(touches, 1);
  assert.equal(await storedExpiry('sid-b'), t0 + 60_000);
});

test('a touch without a read in the same process (another worker read it) is written', async () => {
  const reader = new StoreSessionStore(store);
  const writer = new StoreSessionStore(store);
  const t0 = Date.now() + HOUR;
  await call((cb) => writer.set('sid-c', sessionExpiring(t0), cb));
  await call((cb) => reader.get('sid-c', cb));
  touches = 0;
  await call((cb) => writer.touch('sid-c', sessionExpiring(t0 + 1_000), () => cb()));
  assert.equal(touches, 1);
});

test('the idle time sets the threshold: with 1 minute idle, a second is enough to write', async () => {
  const sessions = new StoreSessionStore(store);
  const t0 = Date.now() + 60_000;
  const oneMinute = (at: number) => ({ ...sessionExpiring(at), cookie: { ...sessionExpiring(at).cookie, originalMaxAge: 60_000 } }) as session.SessionData;
  await call((cb) => sessions.set('sid-d', oneMinute(t0), cb));
  await call((cb) => sessions.get('sid-d', cb));
  touches = 0;
  await call((cb) => sessions.touch('sid-d', oneMinute(t0 + 1_000), () => cb()));
  assert.equal(touches, 1);
});
