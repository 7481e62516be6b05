/**
 * LdapDirectorySignIn and PasswordAuthenticator against a real OpenLDAP (Debian slapd on loopback):
 * a Sesame account stays bound to the directory entry it was made for (its entryUUID), whatever
 * names or mail addresses entries take later (finding 2); every name that finds one entry shares
 * that entry's guess budget (finding 5); start-up warns about a username attribute users may edit.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { LdapDirectory } from '../../../src/auth/ldap/ldapDirectory';
import { LdapDirectorySignIn } from '../../../src/auth/ldap/directorySignIn';
import { parseLdapConfig } from '../../../src/auth/ldap/ldapConfig';
import { PasswordAuthenticator } from '../../../src/auth/passwordAuthenticator';
import { LoginThrottle } from '../../../src/auth/loginThrottle';
import { AdminService } from '../../../src/admin/adminService';
import { SqliteStore } from '../../../src/store/sqliteStore';
import { SqliteDirectoryStore } from '../../../src/store/sqliteDirectoryStore';
import { DIRECTORY_PASSWORDS, DIRECTORY_SEED, LDAP_READER_DN, LDAP_READER_PASSWORD, LDAP_SUFFIX, startSlapd, type Slapd } from '../../helpers/slapd';

let slapd: Slapd;
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-dirsignin-'));
before(async () => {
  slapd = await startSlapd(DIRECTORY_SEED);
});
after(async () => {
  await slapd?.destroy();
  fs.rmSync(tmpRoot, { recursive: true, force: true });
});

let counter = 0;
let store: SqliteStore;
let links: SqliteDirectoryStore;
let logged: string[];
beforeEach(() => {
  store = SqliteStore.open(path.join(tmpRoot, `data-${++counter}`));
  links = new SqliteDirectoryStore(store.db);
  logged = [];
});
afterEach(() => store.close());

async function authenticatorWith(env: Record<string, string>): Promise<PasswordAuthenticator> {
  const config = parseLdapConfig({
    SESAME_LDAP_URL: slapd.ldapUrl,
    SESAME_LDAP_BIND_DN: LDAP_READER_DN,
    SESAME_LDAP_BIND_PASSWORD: LDAP_READER_PASSWORD,
    SESAME_LDAP_USER_BASE: `ou=people,${LDAP_SUFFIX}`,
    SESAME_LDAP_TIMEOUT_MS: '3000',
    ...env,
  })!;
  const directory = new LdapDirectorySignIn(new LdapDirectory(config), links, store, (line) => logged.push(line));
  return PasswordAuthenticator.create(store, new LoginThrottle(store), directory);
}

const lastFailure = async () => (await store.listAudit({ event: 'signin.failure', limit: 1 }))[0]!;

describe('finding 2: a directory account is bound to its entry, not to a name', () => {
  // Usernames from the mail attribute, entries found by uid: the set-up of the finding.
  const MAIL_AS_USERNAME = { SESAME_LDAP_USERNAME_ATTRIBUTE: 'mail', SESAME_LDAP_USER_FILTER: '(&(objectClass=person)(uid={username}))' };

  it('records the entry\'s entryUUID (an operational attribute) at provisioning', async () => {
    const authn = await authenticatorWith({});
    const result = await authn.signIn('dora', DIRECTORY_PASSWORDS.dora, '10.0.0.1', 'form');
    assert.ok(result.ok);
    const link = (await links.findDirectoryAccount(result.user.id))!;
    assert.match(link.directoryId ?? '', /^entryUUID:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(link.dn, `uid=dora,ou=people,${LDAP_SUFFIX}`);
  });

  it('an entry that gives itself another user\'s mail is refused (directory_identity_mismatch) instead of taking the account over', async () => {
    const authn = await authenticatorWith(MAIL_AS_USERNAME);
    const dora = await authn.signIn('dora', DIRECTORY_PASSWORDS.dora, '10.0.0.1', 'form');
    assert.ok(dora.ok);
    assert.equal(dora.user.username, 'dora@example.org');
    const before = await links.findDirectoryAccount(dora.user.id);

    slapd.ldapmodify(`dn: uid=frank,ou=people,${LDAP_SUFFIX}\nchangetype: modify\nadd: mail\nmail: dora@example.org\n`);
    try {
      const frank = await authn.signIn('frank', DIRECTORY_PASSWORDS.frank, '10.0.0.2', 'form');
      assert.deepEqual(frank, { ok: false, reason: 'invalid' }, 'answered like a wrong password');
      const failure = await lastFailure();
      assert.equal(failure.details.reason, 'directory_identity_mismatch');
      assert.equal(failure.clientIp, '10.0.0.2');
      assert.deepEqual(await links.findDirectoryAccount(dora.user.id), before, 'the link did not move');
      assert.equal((await authn.signIn('dora', DIRECTORY_PASSWORDS.dora, '10.0.0.1', 'form')).ok, true, 'dora herself still signs in');
    } finally {
      slapd.ldapmodify(`dn: uid=frank,ou=people,${LDAP_SUFFIX}\nchangetype: modify\ndelete: mail\n`);
    }
    assert.ok(logged.some((line) => /warning: SESAME_LDAP_USERNAME_ATTRIBUTE=mail/.test(line)), 'start-up warned about the username attribute');
  });

  it('one account per entry: an entry whose name changed does not get a second account', async () => {
    const authn = await authenticatorWith(MAIL_AS_USERNAME);
    assert.ok((await authn.signIn('dora', DIRECTORY_PASSWORDS.dora, '10.0.0.1', 'form')).ok);
    slapd.ldapmodify(`dn: uid=dora,ou=people,${LDAP_SUFFIX}\nchangetype: modify\nreplace: mail\nmail: dora.new@example.org\n`);
    try {
      assert.equal((await authn.signIn('dora', DIRECTORY_PASSWORDS.dora, '10.0.0.1', 'form')).ok, false);
      assert.equal((await lastFailure()).details.reason, 'directory_identity_mismatch');
      assert.equal(await store.findUserByUsername('dora.new@example.org'), null);
    } finally {
      slapd.ldapmodify(`dn: uid=dora,ou=people,${LDAP_SUFFIX}\nchangetype: modify\nreplace: mail\nmail: dora@example.org\n`);
    }
  });

  it('a link from before identifiers were recorded is checked by its DN once, then pinned to the entryUUID', async () => {
    const authn = await authenticatorWith({});
    const dora = await store.createUser({ username: 'dora', displayName: 'Dora', email: null, passwordHash: null, isAdmin: false });
    const frank = await store.createUser({ username: 'frank', displayName: 'Frank', email: null, passwordHash: null, isAdmin: false });
    store.db.prepare(`INSERT INTO directory_accounts (user_id, dn, directory_id, synced_at) VALUES (?, ?, NULL, 'then'), (?, ?, NULL, 'then')`)
      .run(dora.id, `UID=dora, OU=people,${LDAP_SUFFIX}`, frank.id, `uid=someone-else,ou=people,${LDAP_SUFFIX}`);
    assert.equal((await authn.signIn('dora', DIRECTORY_PASSWORDS.dora, '10.0.0.1', 'form')).ok, true, 'same DN, written differently');
    assert.match((await links.findDirectoryAccount(dora.id))!.directoryId ?? '', /^entryUUID:/);
    assert.equal((await authn.signIn('frank', DIRECTORY_PASSWORDS.frank, '10.0.0.1', 'form')).ok, false, 'another DN');
    assert.equal((await lastFailure()).details.reason, 'directory_identity_mismatch');
  });

  it('after a directory migration (new entryUUIDs), sign-in is refused until an admin unlinks; the next sign-in links again', async () => {
    const authn = await authenticatorWith({});
    const first = await authn.signIn('dora', DIRECTORY_PASSWORDS.dora, '10.0.0.1', 'form');
    assert.ok(first.ok);
    store.db.prepare(`UPDATE directory_accounts SET directory_id = 'entryUUID:00000000-0000-0000-0000-000000000000' WHERE user_id = ?`).run(first.user.id);
    assert.equal((await authn.signIn('dora', DIRECTORY_PASSWORDS.dora, '10.0.0.1', 'form')).ok, false);
    await new AdminService(store, 'cli:root', { directory: links }).unlinkDirectoryAccount('dora');
    const again = await authn.signIn('dora', DIRECTORY_PASSWORDS.dora, '10.0.0.1', 'form');
    assert.ok(again.ok);
    assert.equal(again.user.id, first.user.id, 'the same Sesame account');
    assert.match((await links.findDirectoryAccount(first.user.id))!.directoryId ?? '', /^entryUUID:[0-9a-f]{8}-/);
    const [relink] = await store.listAudit({ event: 'directory.user.relink', limit: 1 });
    assert.equal(relink?.subject, 'dora');
  });
});

describe('finding 5: every name of one directory entry shares its lockout', () => {
  it('five wrong passwords as "dora" lock "dora@example.org" too (a filter matching uid or mail), before its password is tried', async () => {
    const authn = await authenticatorWith({ SESAME_LDAP_USER_FILTER: '(&(objectClass=person)(|(uid={username})(mail={username})))' });
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(await authn.signIn('dora', `wrong-password-${i}`, `10.1.0.${i}`, 'form'), { ok: false, reason: 'invalid' });
    }
    const alias = await authn.signIn('dora@example.org', DIRECTORY_PASSWORDS.dora, '10.1.1.1', 'form');
    assert.equal(alias.ok, false);
    assert.equal(!alias.ok && alias.reason, 'locked');
    assert.equal((await lastFailure()).details.reason, 'directory_locked');
    assert.equal(await store.findUserByUsername('dora'), null, 'nobody was signed in or provisioned');
  });
});
