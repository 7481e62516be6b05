import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { AccountInputError } from '../../src/auth/accountRules';
import { FirstAdminSetup, type FirstAdminInput } from '../../src/auth/firstAdminSetup';
import { verifyPassword } from '../../src/auth/passwordHash';
import { SqliteStore } from '../../src/store/sqliteStore';

const DAY = 24 * 60 * 60 * 1000;
const PASSWORD = 'a long enough passphrase';
const input = (username: string, extra: Partial<FirstAdminInput> = {}): FirstAdminInput => ({
  username,
  password: PASSWORD,
  passwordRepeat: PASSWORD,
  ...extra,
});

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-setup-test-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
let counter = 0;

function assertTokenRefused(error: unknown): boolean {
  assert.ok(error instanceof AccountInputError, String(error));
  assert.equal(error.field, 'token');
  assert.match(error.message, /invalid, used or expired/);
  return true;
}

describe('FirstAdminSetup', () => {
  let store: SqliteStore;
  let now: number;
  let setup: FirstAdminSetup;
  beforeEach(() => {
    store = SqliteStore.open(path.join(tmpRoot, `db-${++counter}`));
    now = Date.parse('2026-11-24T09:00:00Z');
    setup = new FirstAdminSetup(store, () => now);
  });
  afterEach(() => store.close());

  it('issues a one-time token while there is no admin, and stores only its hash', async () => {
    const token = await setup.issueTokenIfNeeded();
    assert.ok(token);
    assert.match(token, /^[A-Za-z0-9_-]{32}$/);
    const saved = (await store.getSetting('first_admin_setup'))!;
    assert.ok(!saved.includes(token), 'the token itself is not stored');
    assert.equal(await setup.isValidToken(token), true);
  });

  it('issues no token once an enabled admin exists, and forgets any earlier one', async () => {
    const token = await setup.issueTokenIfNeeded();
    await store.createUser({ username: 'root', displayName: 'Root', email: null, passwordHash: null, isAdmin: true });
    assert.equal(await setup.issueTokenIfNeeded(), null);
    assert.equal(await store.getSetting('first_admin_setup'), null);
    assert.equal(await setup.isValidToken(token), false);
  });

  it('a restart issues a new token and the previous one stops working', async () => {
    const first = await setup.issueTokenIfNeeded();
    const second = await setup.issueTokenIfNeeded();
    assert.notEqual(first, second);
    assert.equal(await setup.isValidToken(first), false);
    assert.equal(await setup.isValidToken(second), true);
  });

  it('refuses wrong, empty, oversized and non-string tokens', async () => {
    const token = (await setup.issueTokenIfNeeded())!;
    for (const bad of ['', 'x', token.slice(0, -1), token + 'x', token.toUpperCase(), 'a'.repeat(201), undefined, null, 42, [token], { token }]) {
      assert.equal(await setup.isValidToken(bad), false, JSON.stringify(bad));
    }
  });

  it('refuses a token after 24 hours', async () => {
    const token = await setup.issueTokenIfNeeded();
    now += DAY;
    assert.equal(await setup.isValidToken(token), true, 'still valid at exactly 24 h');
    now += 1;
    assert.equal(await setup.isValidToken(token), false);
    await assert.rejects(setup.redeem(token, input('root'), '127.0.0.1'), assertTokenRefused);
    assert.equal(await store.countAdmins(), 0);
  });

  it('redeeming creates an enabled admin with the chosen password, audits it, and burns the token', async () => {
    const token = await setup.issueTokenIfNeeded();
    const admin = await setup.redeem(token, input('Root', { displayName: 'The Root', email: 'root@example.org' }), '192.0.2.1');
    assert.equal(admin.username, 'root', 'normalised to lower case');
    assert.equal(admin.isAdmin, true);
    assert.equal(admin.disabled, false);
    assert.equal(admin.displayName, 'The Root');
    assert.equal(admin.email, 'root@example.org');
    assert.equal(await verifyPassword(PASSWORD, admin.passwordHash!), true);
    assert.equal(await store.countAdmins(), 1);

    const [entry] = await store.listAudit({ event: 'admin.user.create', limit: 5 });
    assert.equal(entry?.actor, 'setup-link');
    assert.equal(entry?.subject, 'root');
    assert.equal(entry?.clientIp, '192.0.2.1');
    assert.ok(!JSON.stringify(entry).includes(PASSWORD));

    assert.equal(await setup.isValidToken(token), false);
    await assert.rejects(setup.redeem(token, input('second'), '192.0.2.1'), assertTokenRefused);
    assert.equal(await store.countAdmins(), 1);
  });

  it('a token for another installation state (admin created some other way) is refused', async () => {
    const token = await setup.issueTokenIfNeeded();
    await store.createUser({ username: 'cli-admin', displayName: 'CLI', email: null, passwordHash: null, isAdmin: true });
    await assert.rejects(setup.redeem(token, input('root'), '127.0.0.1'), assertTokenRefused);
  });

  it('bad input is refused field by field and leaves the token usable', async () => {
    const token = await setup.issueTokenIfNeeded();
    const field = (name: string) => (error: unknown) => error instanceof AccountInputError && error.field === name;
    await assert.rejects(setup.redeem(token, input('bad name!'), '127.0.0.1'), field('username'));
    await assert.rejects(setup.redeem(token, input('root', { passwordRepeat: PASSWORD + '!' }), '127.0.0.1'), field('passwordRepeat'));
    await assert.rejects(setup.redeem(token, input('root', { password: 'short', passwordRepeat: 'short' }), '127.0.0.1'), field('password'));
    await assert.rejects(setup.redeem(token, input('root', { email: 'not-an-email' }), '127.0.0.1'), field('email'));
    assert.equal(await store.countAdmins(), 0);
    assert.equal(await setup.isValidToken(token), true);
    assert.equal((await setup.redeem(token, input('root'), '127.0.0.1')).isAdmin, true);
  });

  it(
    'two concurrent redemptions of one token create one admin, not two',
    async () => {
      const token = await setup.issueTokenIfNeeded();
      const results = await Promise.allSettled([setup.redeem(token, input('alice'), '192.0.2.1'), setup.redeem(token, input('mallory'), '192.0.2.2')]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      assert.equal(await store.countAdmins(), 1);
    },
  );
});
