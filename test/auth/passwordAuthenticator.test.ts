import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_THROTTLE, LoginThrottle } from '../../src/auth/loginThrottle';
import { PasswordAuthenticator } from '../../src/auth/passwordAuthenticator';
import { DEFAULT_SCRYPT, hashPassword, verifyPassword } from '../../src/auth/passwordHash';
import { SqliteStore } from '../../src/store/sqliteStore';
import type { AuditRecord, UserRecord } from '../../src/store/store';
import type { DirectorySignIn, DirectorySignInOutcome, EntryGate } from '../../src/auth/ldap/directorySignIn';

const FAST = { N: 1024, r: 8, p: 1 };
const ALICE_PASSWORD = 'Alice-Secret-Passw0rd!';
const CAROL_PASSWORD = 'Carol-Secret-Passw0rd!';
const WRONG_PASSWORD = 'Wrong-Guess-Passw0rd!';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-authn-test-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

const lastAudit = async (store: SqliteStore): Promise<AuditRecord> => (await store.listAudit({ limit: 1 }))[0]!;

describe('PasswordAuthenticator', () => {
  let store: SqliteStore;
  let now: number;
  let authn: PasswordAuthenticator;
  const passwordsUsed = new Set<string>();
  const signIn = (username: string, password: string, ip = '10.0.0.1') => {
    passwordsUsed.add(password);
    return authn.signIn(username, password, ip, 'form');
  };

  before(async () => {
    store = SqliteStore.open(path.join(tmpRoot, 'main'));
    now = Date.parse('2026-11-24T09:00:00Z');
    authn = await PasswordAuthenticator.create(store, new LoginThrottle(store, DEFAULT_THROTTLE, () => now));
    await store.createUser({ username: 'alice', displayName: 'Alice', email: null, passwordHash: await hashPassword(ALICE_PASSWORD, FAST), isAdmin: false });
    const carol = await store.createUser({ username: 'carol', displayName: 'Carol', email: null, passwordHash: await hashPassword(CAROL_PASSWORD, FAST), isAdmin: false });
    await store.setUserDisabled(carol.id, true);
    await store.createUser({ username: 'nopass', displayName: 'No Password', email: null, passwordHash: null, isAdmin: false });
  });
  after(() => store.close());

  it('the right password signs in and is audited as signin.success', async () => {
    const result = await signIn('alice', ALICE_PASSWORD);
    assert.equal(result.ok, true);
    assert.equal(result.ok && result.user.username, 'alice');
    const entry = await lastAudit(store);
    assert.equal(entry.event, 'signin.success');
    assert.equal(entry.actor, 'alice');
    assert.equal(entry.clientIp, '10.0.0.1');
    assert.deepEqual(entry.details, { channel: 'form' });
  });

  it('usernames are matched case- and Unicode-insensitively (NFKC, lower case, trimmed)', async () => {
    const result = await signIn('  ＡＬＩＣＥ ', ALICE_PASSWORD);
    assert.equal(result.ok, true);
  });

  it('a successful sign-in upgrades a hash made with weaker parameters to the current default', async () => {
    const alice = (await store.findUserByUsername('alice'))!;
    assert.ok(alice.passwordHash!.startsWith(`scrypt$${DEFAULT_SCRYPT.N}$`), alice.passwordHash!);
    assert.equal(await verifyPassword(ALICE_PASSWORD, alice.passwordHash!), true);
  });

  it('an unknown user and a wrong password get the same answer: reason "invalid"', async () => {
    assert.deepEqual(await signIn('nobody', WRONG_PASSWORD, '10.0.1.1'), { ok: false, reason: 'invalid' });
    assert.deepEqual((await lastAudit(store)).details, { channel: 'form', reason: 'unknown_user' });
    assert.deepEqual(await signIn('alice', WRONG_PASSWORD, '10.0.1.1'), { ok: false, reason: 'invalid' });
    assert.deepEqual((await lastAudit(store)).details, { channel: 'form', reason: 'wrong_password' });
    assert.deepEqual(await signIn('nopass', WRONG_PASSWORD, '10.0.1.1'), { ok: false, reason: 'invalid' }, 'a user without a password cannot sign in');
    assert.deepEqual(await signIn('', WRONG_PASSWORD, '10.0.1.1'), { ok: false, reason: 'invalid' });
    assert.equal((await lastAudit(store)).actor, 'anonymous');
  });

  it('a disabled account is only revealed to someone who knows its password', async () => {
    assert.deepEqual(await signIn('carol', WRONG_PASSWORD, '10.0.2.1'), { ok: false, reason: 'invalid' });
    assert.deepEqual(await signIn('carol', CAROL_PASSWORD, '10.0.2.1'), { ok: false, reason: 'disabled' });
    const entry = await lastAudit(store);
    assert.equal(entry.event, 'signin.failure');
    assert.deepEqual(entry.details, { channel: 'form', reason: 'disabled' });
  });

  it('5 wrong passwords lock the account: even the right password then gets "locked" with retryAfterSeconds', async () => {
    await store.createUser({ username: 'dave', displayName: 'Dave', email: null, passwordHash: await hashPassword('Dave-Secret-Passw0rd!', FAST), isAdmin: false });
    for (let i = 0; i < 5; i++) assert.equal((await signIn('dave', WRONG_PASSWORD, '10.0.3.1')).ok, false);
    const locked = await signIn('dave', 'Dave-Secret-Passw0rd!', '10.0.3.2');
    assert.deepEqual(locked, { ok: false, reason: 'locked', retryAfterSeconds: 900 });
    assert.deepEqual((await lastAudit(store)).details, { channel: 'form', reason: 'locked' });
    now += 15 * 60_000;
    assert.equal((await signIn('dave', 'Dave-Secret-Passw0rd!', '10.0.3.2')).ok, true, 'unlocked after 15 minutes');
  });

  it('an unknown username is locked after 5 failures exactly like a real one', async () => {
    for (let i = 0; i < 5; i++) assert.deepEqual(await signIn('ghost', WRONG_PASSWORD, '10.0.4.1'), { ok: false, reason: 'invalid' });
    const result = await signIn('ghost', WRONG_PASSWORD, '10.0.4.2');
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.reason, 'locked');
  });

  it(
    'guesses sent in parallel cannot exceed the 5-failure limit: at most 5 of 20 concurrent wrong passwords are checked',
    async () => {
      await store.createUser({ username: 'frank', displayName: 'Frank', email: null, passwordHash: await hashPassword('Frank-Secret-Passw0rd!', FAST), isAdmin: false });
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => signIn('frank', `${WRONG_PASSWORD}-${i}`, '10.0.5.1')));
      const checked = results.filter((r) => !r.ok && r.reason === 'invalid').length;
      assert.ok(checked <= 5, `${checked} of 20 parallel guesses were checked against the password`);
    },
  );

  it('every outcome was audited with the client address, and no password appears in any audit row', async () => {
    const rows = await store.listAudit({ limit: 10_000 });
    const events = new Set(rows.map((r) => `${r.event}:${(r.details as { reason?: string }).reason ?? ''}`));
    for (const expected of ['signin.success:', 'signin.failure:unknown_user', 'signin.failure:wrong_password', 'signin.failure:disabled', 'signin.failure:locked']) {
      assert.ok(events.has(expected), `missing ${expected}`);
    }
    assert.ok(rows.every((r) => typeof r.clientIp === 'string' && r.clientIp.length > 0));
    const dump = JSON.stringify(rows);
    assert.ok(passwordsUsed.size >= 4);
    for (const password of passwordsUsed) assert.ok(!dump.includes(password), `audit log contains a password`);
    assert.ok(!dump.includes('scrypt$'), 'nor a password hash');
  });
});

describe('PasswordAuthenticator: timing does not tell unknown users from wrong passwords', () => {
  let store: SqliteStore;
  before(() => {
    store = SqliteStore.open(path.join(tmpRoot, 'timing'));
  });
  after(() => store.close());

  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  };

  it('median sign-in time for an unknown user is within a factor of 2 of a wrong password (both one default-cost scrypt)', async () => {
    // A generous throttle so that no sample is cut short by a lockout.
    const throttle = new LoginThrottle(store, { ...DEFAULT_THROTTLE, maxFailuresPerAccount: 1000, maxFailuresPerClient: 1000 });
    const authn = await PasswordAuthenticator.create(store, throttle);
    await store.createUser({ username: 'erin', displayName: 'Erin', email: null, passwordHash: await hashPassword('Erin-Secret-Passw0rd!'), isAdmin: false });

    const time = async (username: string): Promise<number> => {
      const started = process.hrtime.bigint();
      const result = await authn.signIn(username, WRONG_PASSWORD, '10.9.9.9', 'form');
      assert.deepEqual(result, { ok: false, reason: 'invalid' });
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    await time('warm-up');
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 5; i++) {
      unknown.push(await time(`nobody${i}`));
      wrong.push(await time('erin'));
    }
    const [u, w] = [median(unknown), median(wrong)];
    const ratio = Math.max(u, w) / Math.min(u, w);
    assert.ok(ratio < 2, `unknown user median ${u.toFixed(1)} ms vs wrong password median ${w.toFixed(1)} ms (×${ratio.toFixed(2)})`);
  });
});

/**
 * A directory that answers at once: "invalid" for every password but its one user's, and names the
 * entry (through the gate) for the names that find it, like a filter matching uid or mail.
 */
class InstantDirectory implements DirectorySignIn {
  constructor(
    private readonly store: SqliteStore,
    private readonly entries: Record<string, { id: string; password: string; username: string }>,
  ) {}
  async handles(user: UserRecord | null) {
    return user === null;
  }
  async isDirectoryUser() {
    return false;
  }
  async signIn(username: string, password: string, _clientIp: string, gate?: EntryGate): Promise<DirectorySignInOutcome> {
    const entry = this.entries[username];
    if (!entry) return { ok: false, reason: 'invalid', detail: 'no such user in the directory' };
    const wait = gate ? await gate(entry.id) : 0;
    if (wait > 0) return { ok: false, reason: 'locked', detail: 'entry locked', retryAfterSeconds: wait };
    if (password !== entry.password) return { ok: false, reason: 'invalid', detail: 'wrong password', entryId: entry.id };
    const user =
      (await this.store.findUserByUsername(entry.username)) ??
      (await this.store.createUser({ username: entry.username, displayName: entry.username, email: null, passwordHash: null, isAdmin: false }));
    return { ok: true, user, entryId: entry.id };
  }
}

describe('PasswordAuthenticator with a directory', () => {
  let store: SqliteStore;
  before(() => {
    store = SqliteStore.open(path.join(tmpRoot, 'directory'));
  });
  after(() => store.close());

  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

  it('finding 4: a name without a local account (answered by the directory) takes as long as a local wrong password: both one scrypt', async () => {
    const throttle = new LoginThrottle(store, { ...DEFAULT_THROTTLE, maxFailuresPerAccount: 1000, maxFailuresPerClient: 1000 });
    const authn = await PasswordAuthenticator.create(store, throttle, new InstantDirectory(store, {}));
    await store.createUser({ username: 'lena', displayName: 'Lena', email: null, passwordHash: await hashPassword('Lena-Secret-Passw0rd!'), isAdmin: false });
    const time = async (username: string): Promise<number> => {
      const started = process.hrtime.bigint();
      assert.deepEqual(await authn.signIn(username, WRONG_PASSWORD, '10.8.8.8', 'form'), { ok: false, reason: 'invalid' }, 'the same answer');
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    await time('warm-up');
    const directory: number[] = [];
    const local: number[] = [];
    for (let i = 0; i < 5; i++) {
      directory.push(await time(`nobody${i}`));
      local.push(await time('lena'));
    }
    const [d, l] = [median(directory), median(local)];
    assert.ok(Math.max(d, l) / Math.min(d, l) < 2, `directory path median ${d.toFixed(1)} ms vs local wrong password ${l.toFixed(1)} ms`);
  });

  it('finding 5: two names of one directory entry share its lockout (account:dir:<entry id>): 5 failures as one name lock the other', async () => {
    const authn = await PasswordAuthenticator.create(
      store,
      new LoginThrottle(store),
      new InstantDirectory(store, {
        mira: { id: 'entryUUID:5e1f', password: 'Mira-Directory-Pass', username: 'mira' },
        'mira@example.org': { id: 'entryUUID:5e1f', password: 'Mira-Directory-Pass', username: 'mira' },
      }),
    );
    for (let i = 0; i < 5; i++) assert.deepEqual(await authn.signIn('mira', WRONG_PASSWORD, `10.7.0.${i}`, 'form'), { ok: false, reason: 'invalid' });
    const alias = await authn.signIn('mira@example.org', 'Mira-Directory-Pass', '10.7.1.1', 'form');
    assert.equal(alias.ok, false);
    assert.equal(!alias.ok && alias.reason, 'locked', 'the other name is locked too, even with the right password');
    const [entry] = await store.listAudit({ event: 'signin.failure', limit: 1 });
    assert.equal(entry!.details.reason, 'directory_locked');
    assert.ok(await store.getThrottle('account:dir:entryUUID:5e1f'));
  });

  it('a directory sign-in clears the entry\'s count', async () => {
    const authn = await PasswordAuthenticator.create(
      store,
      new LoginThrottle(store),
      new InstantDirectory(store, { nora: { id: 'entryUUID:0a0b', password: 'Nora-Directory-Pass', username: 'nora' } }),
    );
    await authn.signIn('nora', WRONG_PASSWORD, '10.6.0.1', 'form');
    assert.equal((await authn.signIn('nora', 'Nora-Directory-Pass', '10.6.0.1', 'form')).ok, true);
    assert.equal(await store.getThrottle('account:dir:entryUUID:0a0b'), null);
  });
});
