import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { DEFAULT_THROTTLE, LoginThrottle } from '../../src/auth/loginThrottle';
import { SqliteStore } from '../../src/store/sqliteStore';

const MINUTE = 60_000;
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-throttle-test-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
let counter = 0;

describe('LoginThrottle (default policy: 5 attempts per account, 30 per client, 15 min)', () => {
  let store: SqliteStore;
  let now: number;
  let throttle: LoginThrottle;
  beforeEach(() => {
    store = SqliteStore.open(path.join(tmpRoot, `db-${++counter}`));
    now = Date.parse('2026-11-24T09:00:00Z');
    throttle = new LoginThrottle(store, DEFAULT_THROTTLE, () => now);
  });
  afterEach(() => store.close());

  /** `times` attempts that fail (begun, then reported as failed); returns each answer. */
  const fail = async (username: string, ip: string, times: number) => {
    const answers: number[] = [];
    for (let i = 0; i < times; i++) {
      const answer = await throttle.beginAttempt(username, ip);
      answers.push(answer);
      if (answer === 0) await throttle.failed(ip);
    }
    return answers;
  };

  it('five failed attempts are allowed; the sixth is refused and locks the account for 15 minutes', async () => {
    assert.deepEqual(await fail('alice', '10.0.0.1', 5), [0, 0, 0, 0, 0]);
    assert.equal(await throttle.beginAttempt('alice', '10.0.0.1'), 15 * 60);
    assert.ok((await throttle.beginAttempt('alice', '192.0.2.50')) > 0, 'the lock follows the account to other clients');
    assert.equal(await throttle.beginAttempt('bob', '10.0.0.1'), 0, 'other accounts from that client are not locked');
  });

  it('the lock counts down and the account unlocks once 15 minutes have passed', async () => {
    await fail('alice', '10.0.0.1', 6);
    now += 10 * MINUTE;
    assert.equal(await throttle.beginAttempt('alice', '10.0.0.1'), 5 * 60);
    now += 5 * MINUTE - 500;
    assert.equal(await throttle.beginAttempt('alice', '10.0.0.1'), 1, 'rounded up, never 0 while locked');
    now += 500;
    assert.equal(await throttle.beginAttempt('alice', '10.0.0.1'), 0);
  });

  it('failures older than the 15-minute window no longer count', async () => {
    await fail('alice', '10.0.0.1', 4);
    now += 16 * MINUTE;
    assert.deepEqual(await fail('alice', '10.0.0.1', 5), [0, 0, 0, 0, 0]);
    assert.ok((await throttle.beginAttempt('alice', '10.0.0.1')) > 0);
  });

  it('a successful sign-in clears the account count', async () => {
    await fail('alice', '10.0.0.1', 4);
    assert.equal(await throttle.beginAttempt('alice', '10.0.0.1'), 0);
    await throttle.succeeded('alice', '10.0.0.1');
    assert.deepEqual(await fail('alice', '10.0.0.1', 5), [0, 0, 0, 0, 0]);
  });

  it('password spraying from one client is stopped after 30 failures; other clients and the sprayed accounts are not', async () => {
    for (let i = 0; i < 30; i++) assert.deepEqual(await fail(`user${i}`, '198.51.100.7', 1), [0]);
    assert.equal(await throttle.beginAttempt('fresh-name', '198.51.100.7'), 15 * 60);
    assert.equal(await throttle.beginAttempt('fresh-name', '198.51.100.8'), 0, 'other clients are unaffected');
    assert.equal(await throttle.beginAttempt('user3', '198.51.100.8'), 0, 'the sprayed accounts themselves are not locked');
  });

  it('successful sign-ins do not use up a shared client address (an office NAT)', async () => {
    for (let i = 0; i < 100; i++) {
      assert.equal(await throttle.beginAttempt(`user${i % 40}`, '203.0.113.9'), 0, `sign-in ${i}`);
      await throttle.succeeded(`user${i % 40}`, '203.0.113.9');
    }
  });

  it('unknown account names are throttled exactly like real ones (a lockout reveals nothing)', async () => {
    await fail('no-such-user', '10.0.0.2', 5);
    assert.equal(await throttle.beginAttempt('no-such-user', '10.0.0.2'), 15 * 60);
  });

  it('20 parallel attempts for one account: exactly 5 go ahead, 15 are refused', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => throttle.beginAttempt('alice', '10.0.0.1')));
    assert.equal(answers.filter((a) => a === 0).length, 5);
    assert.equal(answers.filter((a) => a > 0).length, 15);
  });

  it('40 people behind one office NAT signing in at the same moment are not locked out', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => throttle.beginAttempt(`user${i}`, '203.0.113.10')));
    assert.deepEqual(answers, Array(40).fill(0));
    await Promise.all(Array.from({ length: 40 }, (_, i) => throttle.succeeded(`user${i}`, '203.0.113.10')));
    assert.equal(await throttle.beginAttempt('late-comer', '203.0.113.10'), 0);
  });

  it('two processes share the counters: attempts through a second connection to the same file count', async () => {
    const second = SqliteStore.open(path.join(tmpRoot, `db-${counter}`));
    const other = new LoginThrottle(second, DEFAULT_THROTTLE, () => now);
    await fail('alice', '10.0.0.1', 3);
    assert.deepEqual([await other.beginAttempt('alice', '10.0.0.9'), await other.beginAttempt('alice', '10.0.0.9')], [0, 0]);
    assert.ok((await throttle.beginAttempt('alice', '10.0.0.1')) > 0);
    await second.close();
  });
});
