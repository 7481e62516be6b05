/**
 * LdapDirectory against a real OpenLDAP (Debian slapd on loopback): search-then-bind and direct
 * bind, memberOf and group search, LDAPS and StartTLS with certificate checks, a disabled account,
 * LDAP injection, a bad service account and a stopped server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'ldapts';
import { LdapDirectory, type DirectoryOutcome } from '../../../src/auth/ldap/ldapDirectory';
import { parseLdapConfig, type LdapConfig } from '../../../src/auth/ldap/ldapConfig';
import { DIRECTORY_PASSWORDS, DIRECTORY_SEED, LDAP_READER_DN, LDAP_READER_PASSWORD, LDAP_SUFFIX, startSlapd, type Slapd } from '../../helpers/slapd';

let slapd: Slapd;
before(async () => {
  slapd = await startSlapd(DIRECTORY_SEED);
});
after(async () => {
  await slapd?.destroy();
});

function config(extra: Record<string, string> = {}): LdapConfig {
  return parseLdapConfig({
    SESAME_LDAP_URL: slapd.ldapUrl,
    SESAME_LDAP_BIND_DN: LDAP_READER_DN,
    SESAME_LDAP_BIND_PASSWORD: LDAP_READER_PASSWORD,
    SESAME_LDAP_USER_BASE: `ou=people,${LDAP_SUFFIX}`,
    SESAME_LDAP_DISABLED_FILTER: '(employeeType=disabled)',
    SESAME_LDAP_TIMEOUT_MS: '3000',
    ...extra,
  })!;
}

function expectOk(outcome: DirectoryOutcome) {
  assert.ok(outcome.ok, `expected success, got ${JSON.stringify(outcome)}`);
  return outcome.entry;
}

describe('LdapDirectory against slapd', () => {
  it('search-then-bind: the right password gives the entry, its profile and its memberOf groups', async () => {
    const entry = expectOk(await new LdapDirectory(config()).authenticate('dora', DIRECTORY_PASSWORDS.dora));
    assert.equal(entry.dn, `uid=dora,ou=people,${LDAP_SUFFIX}`);
    assert.equal(entry.username, 'dora');
    assert.equal(entry.displayName, 'Dora Directory');
    assert.equal(entry.email, 'dora@example.org');
    assert.deepEqual(entry.groups.map((g) => g.name).sort(), ['aws-admins', 'developers']);
  });

  it('a wrong password and an unknown user get the same answer; an empty password never binds', async () => {
    const directory = new LdapDirectory(config());
    const wrong = await directory.authenticate('dora', 'not-her-password');
    const unknown = await directory.authenticate('nobody', 'whatever-password');
    assert.equal(wrong.ok, false);
    assert.equal(!wrong.ok && wrong.reason, 'invalid');
    assert.equal(!unknown.ok && unknown.reason, 'invalid');
    const empty = await directory.authenticate('dora', '');
    assert.equal(!empty.ok && empty.reason, 'invalid', 'RFC 4513 §5.1.2 unauthenticated bind is not a sign-in');
  });

  it('a disabled account is reported only to someone with its password', async () => {
    const directory = new LdapDirectory(config());
    const right = await directory.authenticate('eric', DIRECTORY_PASSWORDS.eric);
    assert.equal(!right.ok && right.reason, 'disabled');
    const wrong = await directory.authenticate('eric', 'guess');
    assert.equal(!wrong.ok && wrong.reason, 'invalid');
  });

  it('LDAP injection in the username matches nothing, although the raw filter would match everyone', async () => {
    const directory = new LdapDirectory(config());
    for (const payload of ['*', 'dora)(uid=*', '*)(uid=*))(|(uid=*', 'dora)(|(objectClass=*', 'd*']) {
      const outcome = await directory.authenticate(payload, DIRECTORY_PASSWORDS.dora);
      assert.equal(!outcome.ok && outcome.reason, 'invalid', payload);
    }
    // Negative control: the same payload pasted unescaped does select entries, so the check above means something.
    const client = new Client({ url: slapd.ldapUrl });
    try {
      await client.bind(LDAP_READER_DN, LDAP_READER_PASSWORD);
      const { searchEntries } = await client.search(`ou=people,${LDAP_SUFFIX}`, { filter: '(&(objectClass=person)(uid=d*))' });
      assert.ok(searchEntries.length > 0, 'unescaped wildcard matches');
    } finally {
      await client.unbind();
    }
  });

  it('group search mode finds groupOfNames entries naming the user DN (escaped), like memberOf does', async () => {
    const directory = new LdapDirectory(config({ SESAME_LDAP_GROUP_SOURCE: 'search', SESAME_LDAP_GROUP_BASE: `ou=groups,${LDAP_SUFFIX}` }));
    const dora = expectOk(await directory.authenticate('dora', DIRECTORY_PASSWORDS.dora));
    assert.deepEqual(dora.groups.map((g) => g.name).sort(), ['aws-admins', 'developers']);
    const grace = expectOk(await directory.authenticate('grace+ops', DIRECTORY_PASSWORDS['grace+ops']));
    assert.deepEqual(grace.groups.map((g) => g.name), ['developers']);
    const frank = expectOk(await directory.authenticate('frank', DIRECTORY_PASSWORDS.frank));
    assert.deepEqual(frank.groups, []);
  });

  it('direct bind builds the DN with RFC 4514 escaping (uid=grace\\+ops)', async () => {
    const directory = new LdapDirectory(
      config({ SESAME_LDAP_BIND_DN: '', SESAME_LDAP_BIND_PASSWORD: '', SESAME_LDAP_USER_BIND_TEMPLATE: `uid={username},ou=people,${LDAP_SUFFIX}` }),
    );
    const grace = expectOk(await directory.authenticate('grace+ops', DIRECTORY_PASSWORDS['grace+ops']));
    assert.equal(grace.username, 'grace+ops');
    const injected = await directory.authenticate(`dora,ou=people,${LDAP_SUFFIX}`, DIRECTORY_PASSWORDS.dora);
    assert.equal(!injected.ok && injected.reason, 'invalid', 'a DN smuggled into the username stays one escaped value');
  });

  it('LDAPS and StartTLS verify the server certificate against SESAME_LDAP_CA_FILE', async () => {
    const ldaps = new LdapDirectory(config({ SESAME_LDAP_URL: slapd.ldapsUrl, SESAME_LDAP_CA_FILE: slapd.caFile }));
    expectOk(await ldaps.authenticate('dora', DIRECTORY_PASSWORDS.dora));
    const startTls = new LdapDirectory(config({ SESAME_LDAP_STARTTLS: 'true', SESAME_LDAP_CA_FILE: slapd.caFile }));
    expectOk(await startTls.authenticate('dora', DIRECTORY_PASSWORDS.dora));
    const untrusted = await new LdapDirectory(config({ SESAME_LDAP_URL: slapd.ldapsUrl })).authenticate('dora', DIRECTORY_PASSWORDS.dora);
    assert.equal(!untrusted.ok && untrusted.reason, 'unavailable', 'a self-signed certificate not in the CA file is refused');
  });

  it('a refused service account is an outage, not a wrong user password', async () => {
    const outcome = await new LdapDirectory(config({ SESAME_LDAP_BIND_PASSWORD: 'wrong' })).authenticate('dora', DIRECTORY_PASSWORDS.dora);
    assert.equal(!outcome.ok && outcome.reason, 'unavailable');
    assert.match(!outcome.ok ? outcome.detail : '', /service account/);
  });

  it('a stopped server answers "unavailable" quickly, and sign-in works again once it is back', async () => {
    const directory = new LdapDirectory(config());
    await slapd.stop();
    try {
      const started = Date.now();
      const outcome = await directory.authenticate('dora', DIRECTORY_PASSWORDS.dora);
      assert.equal(!outcome.ok && outcome.reason, 'unavailable');
      assert.ok(Date.now() - started < 3500, 'within the configured timeout');
    } finally {
      await slapd.start();
    }
    expectOk(await directory.authenticate('dora', DIRECTORY_PASSWORDS.dora));
  });
});
