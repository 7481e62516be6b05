import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqliteStore';
import { sqliteMigrations } from '../../src/store/sqliteMigrations';
import { StoreConflictError, type NewUser } from '../../src/store/store';

const ROLE = 'arn:aws:iam::111122223333:role/Admin';
const PROVIDER = 'arn:aws:iam::111122223333:saml-provider/Sesame';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-store-test-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

let counter = 0;
function freshDataDir(): string {
  return path.join(tmpRoot, `data-${++counter}`);
}

const newUser = (username: string, extra: Partial<NewUser> = {}): NewUser => ({
  username,
  displayName: username,
  email: null,
  passwordHash: 'scrypt$1024$8$1$c2FsdA==$a2V5',
  isAdmin: false,
  ...extra,
});

describe('SqliteStore', () => {
  let dataDir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dataDir = freshDataDir();
    store = SqliteStore.open(dataDir);
  });
  afterEach(async () => {
    await store.close().catch(() => undefined);
  });

  describe('files and migrations', () => {
    it('creates <dataDir>/sesame.db private to the owner (0600, directory 0700), WAL files too', async () => {
      await store.createUser(newUser('alice')); // forces WAL/SHM files into existence
      const file = path.join(dataDir, 'sesame.db');
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.equal(fs.statSync(dataDir).mode & 0o777, 0o700);
      for (const suffix of ['-wal', '-shm']) {
        if (fs.existsSync(file + suffix)) assert.equal(fs.statSync(file + suffix).mode & 0o077, 0, `${suffix} is readable by others`);
      }
    });

    it('reopening applies no migration twice and keeps the data (open twice)', async () => {
      const alice = await store.createUser(newUser('alice'));
      await store.close();
      const again = SqliteStore.open(dataDir);
      try {
        assert.deepEqual(await again.findUserById(alice.id), alice);
        const third = SqliteStore.open(dataDir); // a second process on the same file
        await third.close();
      } finally {
        await again.close();
      }
      const db = new Database(path.join(dataDir, 'sesame.db'), { readonly: true });
      try {
        const applied = db.prepare('SELECT name FROM schema_migrations ORDER BY name').all() as Array<{ name: string }>;
        assert.deepEqual(applied.map((r) => r.name), sqliteMigrations.map((m) => m.name).sort(), 'each migration recorded exactly once');
      } finally {
        db.close();
      }
    });

    it('refuses a database migrated by a newer Sesame (an unknown migration name) instead of guessing', async () => {
      await store.close();
      const db = new Database(path.join(dataDir, 'sesame.db'));
      db.prepare(`INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_from_the_future', '2030-01-01T00:00:00Z')`).run();
      db.close();
      assert.throws(() => SqliteStore.open(dataDir), /does not know \(9999_from_the_future\)/);
    });
  });

  describe('users', () => {
    it('creates users with a random subject seed and reads them back by name and id', async () => {
      const alice = await store.createUser(newUser('alice', { email: 'alice@example.org', isAdmin: true }));
      const bob = await store.createUser(newUser('bob'));
      assert.equal(alice.isAdmin, true);
      assert.equal(alice.disabled, false);
      assert.equal(alice.email, 'alice@example.org');
      assert.match(alice.subjectSeed, /^[A-Za-z0-9_-]{43}$/);
      assert.notEqual(alice.subjectSeed, bob.subjectSeed);
      assert.deepEqual(await store.findUserByUsername('alice'), alice);
      assert.deepEqual(await store.findUserById(bob.id), bob);
      assert.equal(await store.findUserByUsername('carol'), null);
      assert.deepEqual((await store.listUsers()).map((u) => u.username), ['alice', 'bob']);
    });

    it('usernames are unique case-insensitively: "Alice" after "alice" is a StoreConflictError', async () => {
      await store.createUser(newUser('alice'));
      await assert.rejects(store.createUser(newUser('Alice')), StoreConflictError);
      await assert.rejects(store.createUser(newUser('ALICE')), /already exists/);
      assert.equal((await store.findUserByUsername('ALICE'))?.username, 'alice');
    });

    it('counts only enabled admins', async () => {
      const a = await store.createUser(newUser('root', { isAdmin: true }));
      await store.createUser(newUser('ops', { isAdmin: true }));
      await store.createUser(newUser('user'));
      assert.equal(await store.countAdmins(), 2);
      await store.setUserDisabled(a.id, true);
      assert.equal(await store.countAdmins(), 1);
      assert.equal((await store.findUserById(a.id))?.disabled, true);
    });

    it('setPasswordHash replaces the stored hash', async () => {
      const a = await store.createUser(newUser('alice'));
      await store.setPasswordHash(a.id, 'scrypt$2048$8$1$bmV3$bmV3');
      assert.equal((await store.findUserById(a.id))?.passwordHash, 'scrypt$2048$8$1$bmV3$bmV3');
    });
  });

  describe('groups, memberships and role grants', () => {
    it('group names are unique case-insensitively', async () => {
      await store.createGroup('Admins', null);
      await assert.rejects(store.createGroup('admins', 'dup'), StoreConflictError);
      assert.equal((await store.findGroupByName('ADMINS'))?.name, 'Admins');
    });

    it('adds and removes members; adding twice reports false', async () => {
      const alice = await store.createUser(newUser('alice'));
      const admins = await store.createGroup('admins', 'AWS admins');
      const devs = await store.createGroup('devs', null);
      assert.equal(await store.addMember(admins.id, alice.id), true);
      assert.equal(await store.addMember(admins.id, alice.id), false);
      assert.equal(await store.addMember(devs.id, alice.id), true);
      assert.deepEqual((await store.listGroupsOfUser(alice.id)).map((g) => g.name), ['admins', 'devs']);
      assert.equal(await store.removeMember(admins.id, alice.id), true);
      assert.equal(await store.removeMember(admins.id, alice.id), false);
      assert.deepEqual((await store.listGroupsOfUser(alice.id)).map((g) => g.name), ['devs']);
    });

    it('listRoleGrantsForUser returns a role reached through two groups once (no duplicate Role values, A1)', async () => {
      const alice = await store.createUser(newUser('alice'));
      const bob = await store.createUser(newUser('bob'));
      const admins = await store.createGroup('admins', null);
      const oncall = await store.createGroup('oncall', null);
      await store.addMember(admins.id, alice.id);
      await store.addMember(oncall.id, alice.id);
      await store.addRoleGrant({ groupId: admins.id, roleArn: ROLE, providerArn: PROVIDER, label: 'Admin', sessionDuration: 3600 });
      await store.addRoleGrant({ groupId: oncall.id, roleArn: ROLE, providerArn: PROVIDER, label: null, sessionDuration: null });
      await store.addRoleGrant({ groupId: oncall.id, roleArn: 'arn:aws:iam::111122223333:role/ReadOnly', providerArn: PROVIDER, label: null, sessionDuration: null });

      const grants = await store.listRoleGrantsForUser(alice.id);
      assert.deepEqual(grants.map((g) => g.roleArn), [ROLE, 'arn:aws:iam::111122223333:role/ReadOnly']);
      assert.equal(grants[0]!.groupName, 'admins', 'the first group by name wins');
      assert.equal(grants[0]!.sessionDuration, 3600);
      assert.equal((await store.listRoleGrants()).length, 3);
      assert.deepEqual(await store.listRoleGrantsForUser(bob.id), [], 'no groups, no roles');
    });

    it('the same grant twice in one group is a StoreConflictError; removing a grant takes it away', async () => {
      const alice = await store.createUser(newUser('alice'));
      const admins = await store.createGroup('admins', null);
      await store.addMember(admins.id, alice.id);
      const grant = await store.addRoleGrant({ groupId: admins.id, roleArn: ROLE, providerArn: PROVIDER, label: null, sessionDuration: null });
      await assert.rejects(
        store.addRoleGrant({ groupId: admins.id, roleArn: ROLE, providerArn: PROVIDER, label: 'again', sessionDuration: null }),
        StoreConflictError,
      );
      assert.equal(await store.removeRoleGrant(grant.id), true);
      assert.equal(await store.removeRoleGrant(grant.id), false);
      assert.deepEqual(await store.listRoleGrantsForUser(alice.id), []);
    });

    it('A3: the database itself refuses a session duration outside 900–43200', async () => {
      const admins = await store.createGroup('admins', null);
      await assert.rejects(store.addRoleGrant({ groupId: admins.id, roleArn: ROLE, providerArn: PROVIDER, label: null, sessionDuration: 899 }), /CHECK/);
      await assert.rejects(store.addRoleGrant({ groupId: admins.id, roleArn: ROLE, providerArn: PROVIDER, label: null, sessionDuration: 43201 }), /CHECK/);
    });
  });

  describe('audit log', () => {
    it('appends entries and lists them newest first, filtered by event or actor', async () => {
      await store.appendAudit({ event: 'signin.failure', actor: 'alice', subject: 'alice', clientIp: '10.0.0.1', details: { reason: 'wrong_password' } });
      await store.appendAudit({ event: 'signin.success', actor: 'alice' });
      await store.appendAudit({ event: 'admin.user.create', actor: 'cli:root', subject: 'bob' });
      const all = await store.listAudit({ limit: 10 });
      assert.deepEqual(all.map((e) => e.event), ['admin.user.create', 'signin.success', 'signin.failure']);
      assert.deepEqual(all[2]!.details, { reason: 'wrong_password' });
      assert.equal(all[2]!.clientIp, '10.0.0.1');
      assert.equal(all[1]!.subject, null);
      assert.deepEqual(all[1]!.details, {});
      assert.deepEqual((await store.listAudit({ actor: 'alice', limit: 10 })).map((e) => e.event), ['signin.success', 'signin.failure']);
      assert.deepEqual((await store.listAudit({ event: 'signin.success', limit: 10 })).length, 1);
      assert.equal((await store.listAudit({ limit: 1 })).length, 1);
    });

    it('is append-only: a raw UPDATE or DELETE on the database file fails (trigger)', async () => {
      await store.appendAudit({ event: 'signin.success', actor: 'alice' });
      const db = new Database(path.join(dataDir, 'sesame.db'));
      try {
        assert.throws(() => db.prepare(`UPDATE audit_log SET actor = 'mallory'`).run(), /append-only/);
        assert.throws(() => db.prepare(`DELETE FROM audit_log`).run(), /append-only/);
        assert.equal((db.prepare('SELECT COUNT(*) AS n FROM audit_log').get() as { n: number }).n, 1);
      } finally {
        db.close();
      }
      assert.equal((await store.listAudit({ limit: 10 }))[0]!.actor, 'alice');
    });
  });

  describe('settings', () => {
    it('getOrCreateSetting returns the first value forever, also after reopening', async () => {
      assert.equal(await store.getOrCreateSetting('nameid_secret', () => 'first'), 'first');
      assert.equal(await store.getOrCreateSetting('nameid_secret', () => 'second'), 'first');
      await store.close();
      store = SqliteStore.open(dataDir);
      assert.equal(await store.getOrCreateSetting('nameid_secret', () => 'third'), 'first');
    });

    it('setSetting overwrites and null deletes', async () => {
      assert.equal(await store.getSetting('x'), null);
      await store.setSetting('x', 'a');
      await store.setSetting('x', 'b');
      assert.equal(await store.getSetting('x'), 'b');
      await store.setSetting('x', null);
      assert.equal(await store.getSetting('x'), null);
    });
  });

  describe('throttle counters', () => {
    it('stores, overwrites and clears per-key state', async () => {
      assert.equal(await store.getThrottle('account:alice'), null);
      await store.putThrottle('account:alice', { failures: 1, windowStartedAt: 1000, lockedUntil: 0 });
      await store.putThrottle('account:alice', { failures: 2, windowStartedAt: 1000, lockedUntil: 5000 });
      assert.deepEqual(await store.getThrottle('account:alice'), { failures: 2, windowStartedAt: 1000, lockedUntil: 5000 });
      await store.clearThrottle('account:alice');
      assert.equal(await store.getThrottle('account:alice'), null);
    });

    it('with maxLockMs each consecutive lock lasts twice as long, capped; clearing the key (a success) starts again at lockMs', async () => {
      const MIN = 60_000;
      let now = 1_000_000;
      const policy = () => ({ now, windowMs: 15 * MIN, maxAttempts: 5, lockMs: 15 * MIN, maxLockMs: 24 * 60 * MIN });
      const lockLengths: number[] = [];
      for (let cycle = 0; cycle < 9; cycle++) {
        for (let i = 0; i < 5; i++) assert.equal((await store.registerAttempt('mfa:1', policy())).lockedUntil, 0);
        const locking = await store.registerAttempt('mfa:1', policy());
        assert.equal(locking.lockedNow?.consecutive, cycle + 1);
        lockLengths.push((locking.lockedUntil - now) / MIN);
        const still = await store.registerAttempt('mfa:1', policy());
        assert.equal(still.lockedUntil, locking.lockedUntil, 'a locked key stays locked');
        assert.equal(still.lockedNow, undefined, 'and only the locking attempt says so');
        now = locking.lockedUntil + 1;
      }
      assert.deepEqual(lockLengths, [15, 30, 60, 120, 240, 480, 960, 1440, 1440]);
      await store.clearThrottle('mfa:1');
      for (let i = 0; i < 5; i++) await store.registerAttempt('mfa:1', policy());
      assert.equal(((await store.registerAttempt('mfa:1', policy())).lockedUntil - now) / MIN, 15, 'back to the first lock after a success');
    });

    it('without maxLockMs every lock lasts lockMs (the password throttle is unchanged)', async () => {
      let now = 1_000_000;
      for (let cycle = 0; cycle < 3; cycle++) {
        for (let i = 0; i < 5; i++) await store.registerAttempt('account:bob', { now, windowMs: 900_000, maxAttempts: 5, lockMs: 900_000 });
        const locking = await store.registerAttempt('account:bob', { now, windowMs: 900_000, maxAttempts: 5, lockMs: 900_000 });
        assert.equal(locking.lockedUntil - now, 900_000);
        now = locking.lockedUntil + 1;
      }
    });

    it('a lock is remembered for a day after it ends, so purging does not reset the escalation early', async () => {
      const now = 100 * 86_400_000;
      await store.putThrottle('mfa:recent-lock', { failures: 0, windowStartedAt: now - 2 * 86_400_000, lockedUntil: now - 3_600_000, lockouts: 8 });
      await store.putThrottle('mfa:old-lock', { failures: 0, windowStartedAt: now - 3 * 86_400_000, lockedUntil: now - 2 * 86_400_000, lockouts: 8 });
      await store.purgeExpired(now);
      assert.equal((await store.getThrottle('mfa:recent-lock'))?.lockouts, 8);
      assert.equal(await store.getThrottle('mfa:old-lock'), null);
    });
  });

  describe('disableUserUnlessLastAdmin', () => {
    it('two admins disabling each other at the same time, on two connections: exactly one succeeds, one admin stays enabled', async () => {
      const root = await store.createUser(newUser('root', { isAdmin: true }));
      const ops = await store.createUser(newUser('ops', { isAdmin: true }));
      const other = SqliteStore.open(dataDir); // another worker process's connection
      try {
        const outcomes = await Promise.all([store.disableUserUnlessLastAdmin(ops.id), other.disableUserUnlessLastAdmin(root.id)]);
        assert.deepEqual([...outcomes].sort(), ['disabled', 'last_admin']);
        assert.equal(await store.countAdmins(), 1);
      } finally {
        await other.close();
      }
    });

    it('says what it did: disabled, already disabled, last admin, no such user; ordinary users are always disabled', async () => {
      const root = await store.createUser(newUser('root', { isAdmin: true }));
      const alice = await store.createUser(newUser('alice'));
      assert.equal(await store.disableUserUnlessLastAdmin(root.id), 'last_admin');
      assert.equal(await store.disableUserUnlessLastAdmin(alice.id), 'disabled');
      assert.equal(await store.disableUserUnlessLastAdmin(alice.id), 'already_disabled');
      assert.equal(await store.disableUserUnlessLastAdmin(9999), 'no_such_user');
      assert.equal((await store.findUserById(root.id))?.disabled, false);
    });
  });

  describe('sessions', () => {
    it('a session is readable until expiresAt and gone from then on', async () => {
      await store.putSession('sid-1', { data: '{"user":1}', expiresAt: 10_000 });
      assert.deepEqual(await store.getSession('sid-1', 9_999), { data: '{"user":1}', expiresAt: 10_000 });
      assert.equal(await store.getSession('sid-1', 10_000), null);
      assert.equal(await store.getSession('sid-1', 50_000), null);
    });

    it('touchSession extends, putSession replaces, destroySession removes', async () => {
      await store.putSession('sid-1', { data: 'a', expiresAt: 10_000 });
      await store.touchSession('sid-1', 20_000);
      assert.deepEqual(await store.getSession('sid-1', 15_000), { data: 'a', expiresAt: 20_000 });
      await store.putSession('sid-1', { data: 'b', expiresAt: 30_000 });
      assert.equal((await store.getSession('sid-1', 25_000))?.data, 'b');
      await store.destroySession('sid-1');
      assert.equal(await store.getSession('sid-1', 0), null);
    });

    it('destroyUserSessions ends a user\'s signed-in and half-signed-in (second factor pending) sessions, except the one given', async () => {
      const far = 10 ** 13;
      await store.putSession('mine-current', { data: JSON.stringify({ userId: 7 }), expiresAt: far });
      await store.putSession('mine-other', { data: JSON.stringify({ userId: 7, secondFactor: true }), expiresAt: far });
      await store.putSession('mine-pending', { data: JSON.stringify({ mfaPending: { userId: 7, next: '/', startedAt: 1 } }), expiresAt: far });
      await store.putSession('someone-else', { data: JSON.stringify({ userId: 8 }), expiresAt: far });
      await store.putSession('anonymous', { data: JSON.stringify({ csrfToken: 'x' }), expiresAt: far });
      assert.equal(await store.destroyUserSessions(7, 'mine-current'), 2);
      assert.ok(await store.getSession('mine-current', 0));
      assert.equal(await store.getSession('mine-other', 0), null);
      assert.equal(await store.getSession('mine-pending', 0), null);
      assert.ok(await store.getSession('someone-else', 0));
      assert.ok(await store.getSession('anonymous', 0));
      assert.equal(await store.destroyUserSessions(7), 1, 'without an exception, every one');
    });

    it('purgeExpired deletes expired sessions and stale throttle rows only', async () => {
      const now = 100 * 86_400_000;
      await store.putSession('old', { data: 'x', expiresAt: now - 1 });
      await store.putSession('live', { data: 'y', expiresAt: now + 1 });
      await store.putThrottle('client:stale', { failures: 3, windowStartedAt: now - 2 * 86_400_000, lockedUntil: 0 });
      await store.putThrottle('client:locked', { failures: 0, windowStartedAt: now - 2 * 86_400_000, lockedUntil: now + 60_000 });
      await store.putThrottle('client:recent', { failures: 2, windowStartedAt: now - 60_000, lockedUntil: 0 });
      await store.purgeExpired(now);
      assert.equal(await store.getSession('old', 0), null);
      assert.equal((await store.getSession('live', 0))?.data, 'y');
      assert.equal(await store.getThrottle('client:stale'), null);
      assert.ok(await store.getThrottle('client:locked'));
      assert.ok(await store.getThrottle('client:recent'));
    });
  });
});
