import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { AccountInputError, AdminInputError, AdminService } from '../../src/admin/adminService';
import { AwsRuleError } from '../../src/aws/awsRuleError';
import { verifyPassword } from '../../src/auth/passwordHash';
import { SqliteStore } from '../../src/store/sqliteStore';
import { StoreConflictError } from '../../src/store/store';
import { SqliteDirectoryStore } from '../../src/store/sqliteDirectoryStore';
import { SqliteMfaStore } from '../../src/store/sqliteMfaStore';
import { MfaService } from '../../src/auth/mfaService';

const ROLE = 'arn:aws:iam::111122223333:role/Admin';
const PROVIDER = 'arn:aws:iam::111122223333:saml-provider/Sesame';
const ACTOR = 'cli:ops-admin';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-admin-test-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
let counter = 0;

/** Resolves when `promise` rejects with an AwsRuleError for `rule`. */
async function rejectsWithRule(promise: Promise<unknown>, rule: string, detail?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AwsRuleError, `expected AwsRuleError, got ${String(error)}`);
    assert.equal(error.rule, rule, error.message);
    assert.ok(error.message.startsWith(`${rule}: `), error.message);
    if (detail) assert.match(error.message, detail);
    return true;
  });
}

describe('AdminService', () => {
  let store: SqliteStore;
  let admin: AdminService;
  beforeEach(async () => {
    store = SqliteStore.open(path.join(tmpRoot, `db-${++counter}`));
    admin = new AdminService(store, ACTOR);
    await admin.addGroup('aws-admins', 'Full admins');
  });
  afterEach(() => store.close());

  describe('addGrant', () => {
    it('stores a valid role/provider pair with an optional duration and label', async () => {
      const grant = await admin.addGrant({ group: 'aws-admins', roleArn: ` ${ROLE} `, providerArn: PROVIDER, duration: '3600', label: ' Prod admin ' });
      assert.equal(grant.roleArn, ROLE, 'surrounding whitespace trimmed');
      assert.equal(grant.providerArn, PROVIDER);
      assert.equal(grant.sessionDuration, 3600);
      assert.equal(grant.label, 'Prod admin');
      assert.equal(grant.groupName, 'aws-admins');
      const none = await admin.addGrant({ group: 'aws-admins', roleArn: 'arn:aws:iam::111122223333:role/ReadOnly', providerArn: PROVIDER, duration: '' });
      assert.equal(none.sessionDuration, null);
      assert.equal(none.label, null);
    });

    it('A3: accepts 900 and 43200 seconds, refuses 899, 43201 and non-digits with rule A3', async () => {
      let i = 0;
      for (const duration of [900, 43200, '900', '43200']) {
        await admin.addGrant({ group: 'aws-admins', roleArn: `arn:aws:iam::111122223333:role/R${i++}`, providerArn: PROVIDER, duration });
      }
      for (const duration of [899, 43201, '899', '43201', 0, '1h', '3600.5', 3600.5, -900]) {
        await rejectsWithRule(admin.addGrant({ group: 'aws-admins', roleArn: ROLE, providerArn: PROVIDER, duration }), 'A3');
      }
      assert.equal((await store.listRoleGrants()).length, 4);
    });

    it('A1: refuses a malformed role ARN with rule A1', async () => {
      for (const roleArn of [
        'Admin',
        'arn:aws:iam::111122223333:user/alice',
        'arn:aws:iam::11112222333:role/Admin',
        'arn:aws:iam:us-east-1:111122223333:role/Admin',
        'arn:aws:sts::111122223333:assumed-role/Admin/alice',
        'arn:aws:iam::111122223333:role/Ad,min',
        'arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123',
        'arn:aws:iam::111122223333:role/Ad min',
      ]) {
        await rejectsWithRule(admin.addGrant({ group: 'aws-admins', roleArn, providerArn: PROVIDER }), 'A1');
      }
    });

    it('A1: swapped role and provider ARNs are refused with a hint', async () => {
      await rejectsWithRule(admin.addGrant({ group: 'aws-admins', roleArn: PROVIDER, providerArn: ROLE }), 'A1', /swap/);
    });

    it('S6: refuses a malformed SAML provider ARN with rule S6', async () => {
      for (const providerArn of ['Sesame', 'arn:aws:iam::111122223333:saml-provider/Bad Name', 'arn:aws:iam::111122223333:oidc-provider/x', 'arn:aws:iam::111122223333:saml-provider/a/b']) {
        await rejectsWithRule(admin.addGrant({ group: 'aws-admins', roleArn: ROLE, providerArn }), 'S6');
      }
    });

    it('S7: refuses a provider in another account or partition than the role', async () => {
      await rejectsWithRule(
        admin.addGrant({ group: 'aws-admins', roleArn: ROLE, providerArn: 'arn:aws:iam::444455556666:saml-provider/Sesame' }),
        'S7',
        /saml-provider\/Sesame/,
      );
      await rejectsWithRule(
        admin.addGrant({ group: 'aws-admins', roleArn: ROLE, providerArn: 'arn:aws-us-gov:iam::111122223333:saml-provider/Sesame' }),
        'S7',
      );
    });

    it('refuses labels with control characters or over 128 characters, and unknown groups', async () => {
      await assert.rejects(admin.addGrant({ group: 'aws-admins', roleArn: ROLE, providerArn: PROVIDER, label: 'a\u0007b' }), AdminInputError);
      await assert.rejects(admin.addGrant({ group: 'aws-admins', roleArn: ROLE, providerArn: PROVIDER, label: 'x'.repeat(129) }), AdminInputError);
      await assert.rejects(admin.addGrant({ group: 'nope', roleArn: ROLE, providerArn: PROVIDER }), /no group named "nope"/);
      assert.equal((await store.listRoleGrants()).length, 0, 'nothing stored on refusal');
    });

    it('a duplicate grant is a StoreConflictError; removeGrant removes it and an unknown id is refused', async () => {
      const grant = await admin.addGrant({ group: 'aws-admins', roleArn: ROLE, providerArn: PROVIDER });
      await assert.rejects(admin.addGrant({ group: 'aws-admins', roleArn: ROLE, providerArn: PROVIDER }), StoreConflictError);
      await admin.removeGrant(grant.id);
      assert.equal((await store.listRoleGrants()).length, 0);
      await assert.rejects(admin.removeGrant(grant.id), AdminInputError);
    });
  });

  describe('users and the last administrator', () => {
    it('refuses to disable the only enabled administrator', async () => {
      await store.createUser({ username: 'root', displayName: 'Root', email: null, passwordHash: null, isAdmin: true });
      await assert.rejects(admin.setDisabled('root', true), (error: unknown) => {
        assert.ok(error instanceof AdminInputError);
        assert.match(error.message, /only enabled administrator/);
        return true;
      });
      assert.equal((await store.findUserByUsername('root'))?.disabled, false);
    });

    it('allows disabling an admin when another enabled admin remains, but not the last one after that', async () => {
      await store.createUser({ username: 'root', displayName: 'Root', email: null, passwordHash: null, isAdmin: true });
      await store.createUser({ username: 'ops', displayName: 'Ops', email: null, passwordHash: null, isAdmin: true });
      await admin.setDisabled('ops', true);
      assert.equal(await store.countAdmins(), 1);
      await assert.rejects(admin.setDisabled('root', true), AdminInputError);
      await admin.setDisabled('ops', false);
      assert.equal(await store.countAdmins(), 2);
    });

    it('two admins disabling each other at the same moment (two processes) cannot leave no enabled admin', async () => {
      await store.createUser({ username: 'root', displayName: 'Root', email: null, passwordHash: null, isAdmin: true });
      await store.createUser({ username: 'ops', displayName: 'Ops', email: null, passwordHash: null, isAdmin: true });
      const otherProcess = SqliteStore.open(path.join(tmpRoot, `db-${counter}`));
      try {
        const results = await Promise.allSettled([
          new AdminService(store, 'root').setDisabled('ops', true),
          new AdminService(otherProcess, 'ops').setDisabled('root', true),
        ]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'exactly one of them wins');
        const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        assert.match(String(refused.reason.message), /only enabled administrator/);
        assert.equal(await store.countAdmins(), 1);
      } finally {
        await otherProcess.close();
      }
    });

    it('changing a password, resetting the second factor and disabling end the user\'s sessions and revoke their API tokens, but not the acting admin\'s own session', async () => {
      const alice = await store.createUser({ username: 'alice', displayName: 'Alice', email: null, passwordHash: null, isAdmin: true });
      const revoked: number[] = [];
      const actingAs = (sid: string) =>
        new AdminService(store, 'root', { apiTokens: { revokeAllOf: async (id) => (revoked.push(id), 1) }, actingSessionId: sid, mfa: new MfaService(new SqliteMfaStore(store.db), store, { issuer: 't', pepper: 'p' }) });
      const far = Date.now() + 3_600_000;
      const sessions = async () => {
        for (const sid of ['a1', 'a2', 'admin-own']) await store.putSession(sid, { data: JSON.stringify({ userId: alice.id }), expiresAt: far });
      };
      const alive = async () => (await Promise.all(['a1', 'a2', 'admin-own'].map((sid) => store.getSession(sid, 0)))).map((s) => s !== null);

      await sessions();
      await actingAs('admin-own').setPassword('alice', 'a long enough passphrase');
      assert.deepEqual(await alive(), [false, false, true]);
      await sessions();
      await actingAs('admin-own').resetSecondFactor('alice');
      assert.deepEqual(await alive(), [false, false, true]);
      await store.createUser({ username: 'root', displayName: 'Root', email: null, passwordHash: null, isAdmin: true });
      await sessions();
      await actingAs('elsewhere').setDisabled('alice', true);
      assert.deepEqual(await alive(), [false, false, false]);
      assert.deepEqual(revoked, [alice.id, alice.id, alice.id]);
      const [disabled] = await store.listAudit({ event: 'admin.user.disable', limit: 1 });
      assert.deepEqual(disabled!.details, { sessionsEnded: 3, apiTokensRevoked: 1 });
    });

    it('disabling ordinary users is always allowed', async () => {
      await store.createUser({ username: 'root', displayName: 'Root', email: null, passwordHash: null, isAdmin: true });
      await store.createUser({ username: 'alice', displayName: 'Alice', email: null, passwordHash: null, isAdmin: false });
      await admin.setDisabled('alice', true);
      assert.equal((await store.findUserByUsername('alice'))?.disabled, true);
    });

    it('addUser validates input and hashes the password; usernames are unique case-insensitively', async () => {
      const user = await admin.addUser({ username: 'Alice', displayName: 'Alice A.', email: 'alice@example.org', isAdmin: false, password: 'a long enough passphrase' });
      assert.equal(user.username, 'alice');
      assert.equal(await verifyPassword('a long enough passphrase', user.passwordHash!), true);
      await assert.rejects(admin.addUser({ username: 'ALICE', isAdmin: false, password: null }), StoreConflictError);
      await assert.rejects(admin.addUser({ username: 'bob', isAdmin: false, password: 'short' }), AccountInputError);
      await assert.rejects(admin.addUser({ username: 'bad name', isAdmin: false, password: null }), AccountInputError);
      await assert.rejects(admin.setDisabled('nobody', true), /no user named "nobody"/);
    });

    it('group names must be 1–64 safe characters', async () => {
      await assert.rejects(admin.addGroup('', null), AdminInputError);
      await assert.rejects(admin.addGroup('-leading-dash', null), AdminInputError);
      await assert.rejects(admin.addGroup('x'.repeat(65), null), AdminInputError);
      await assert.rejects(admin.addGroup('<script>', null), AdminInputError);
      assert.equal((await admin.addGroup('  Dev Ops  ', '  ')).name, 'Dev Ops');
    });
  });

  describe('directory', () => {
    it('a mapping by bare group name is accepted with a warning (it matches that name in any OU); a DN is not', async () => {
      const service = new AdminService(store, ACTOR, { directory: new SqliteDirectoryStore(store.db) });
      const bare = await service.mapDirectoryGroup('aws-admins', 'aws-admins');
      assert.equal(bare.added, true);
      assert.match(bare.warning ?? '', /not a DN: it matches every directory group named so, in any OU/);
      const dn = await service.mapDirectoryGroup('aws-admins', 'cn=aws-admins,ou=groups,dc=example,dc=org');
      assert.deepEqual(dn, { added: true, warning: null });
      const [audit] = await store.listAudit({ event: 'admin.group.map-directory', limit: 2 });
      assert.deepEqual(audit!.details, { directoryGroup: 'cn=aws-admins,ou=groups,dc=example,dc=org' });
    });

    it('unlink-directory forgets the entry a directory user is bound to, ends their sessions, and refuses local users', async () => {
      const links = new SqliteDirectoryStore(store.db);
      const service = new AdminService(store, ACTOR, { directory: links, apiTokens: { revokeAllOf: async () => 2 } });
      const dora = await store.createUser({ username: 'dora', displayName: 'Dora', email: null, passwordHash: null, isAdmin: false });
      await links.linkDirectoryAccount(dora.id, 'uid=dora,ou=people,dc=example,dc=org', 'entryUUID:1234');
      await store.putSession('dora-1', { data: JSON.stringify({ userId: dora.id }), expiresAt: Date.now() + 60_000 });
      await service.unlinkDirectoryAccount('dora');
      const link = await links.findDirectoryAccount(dora.id);
      assert.deepEqual([link?.dn, link?.directoryId], ['', null], 'still a directory user, bound to no entry');
      assert.equal(await store.getSession('dora-1', 0), null);
      const [audit] = await store.listAudit({ event: 'admin.user.unlink-directory', limit: 1 });
      assert.deepEqual(audit!.details, { dn: 'uid=dora,ou=people,dc=example,dc=org', directoryId: 'entryUUID:1234', sessionsEnded: 1, apiTokensRevoked: 2 });
      await store.createUser({ username: 'lena', displayName: 'Lena', email: null, passwordHash: null, isAdmin: false });
      await assert.rejects(service.unlinkDirectoryAccount('lena'), /not a directory user/);
    });
  });

  describe('audit', () => {
    it('every change is audited with the acting administrator, and passwords never appear', async () => {
      await admin.addUser({ username: 'alice', isAdmin: false, password: 'a long enough passphrase' });
      await admin.addUser({ username: 'root', isAdmin: true, password: null });
      await admin.addMember('aws-admins', 'alice');
      await admin.addMember('aws-admins', 'alice'); // no change, no entry
      const grant = await admin.addGrant({ group: 'aws-admins', roleArn: ROLE, providerArn: PROVIDER, duration: 3600, label: 'Admin' });
      await admin.setPassword('alice', 'another long passphrase');
      await admin.setDisabled('alice', true);
      await admin.setDisabled('alice', false);
      await admin.removeMember('aws-admins', 'alice');
      await admin.removeGrant(grant.id);

      const rows = (await store.listAudit({ limit: 100 })).reverse();
      assert.deepEqual(
        rows.map((r) => [r.event, r.subject]),
        [
          ['admin.group.create', 'aws-admins'],
          ['admin.user.create', 'alice'],
          ['admin.user.create', 'root'],
          ['admin.group.add-member', 'aws-admins'],
          ['admin.grant.add', 'aws-admins'],
          ['admin.user.password', 'alice'],
          ['admin.user.disable', 'alice'],
          ['admin.user.enable', 'alice'],
          ['admin.group.remove-member', 'aws-admins'],
          ['admin.grant.remove', 'aws-admins'],
        ],
      );
      assert.ok(rows.every((r) => r.actor === ACTOR), 'every entry names the actor');
      assert.deepEqual(rows[4]!.details, { grantId: grant.id, roleArn: ROLE, providerArn: PROVIDER, sessionDuration: 3600, label: 'Admin' });
      assert.deepEqual(rows[3]!.details, { user: 'alice' });
      assert.deepEqual(rows[1]!.details, { admin: false, passwordSet: true });
      const dump = JSON.stringify(rows);
      assert.ok(!dump.includes('long enough passphrase') && !dump.includes('another long passphrase') && !dump.includes('scrypt$'));
    });

    it('refused changes leave no audit entry', async () => {
      const before = (await store.listAudit({ limit: 100 })).length;
      await rejectsWithRule(admin.addGrant({ group: 'aws-admins', roleArn: 'nope', providerArn: PROVIDER }), 'A1');
      await assert.rejects(admin.addGroup('', null));
      assert.equal((await store.listAudit({ limit: 100 })).length, before);
    });
  });
});
