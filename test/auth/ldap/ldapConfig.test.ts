import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_ID_ATTRIBUTES, ldapConfigWarnings, parseLdapConfig } from '../../../src/auth/ldap/ldapConfig';
import { ConfigError } from '../../../src/config/config';

const base = { SESAME_LDAP_URL: 'ldaps://ldap.example.org', SESAME_LDAP_USER_BASE: 'ou=people,dc=example,dc=org' };

describe('LDAP configuration (SESAME_LDAP_*)', () => {
  it('is off without SESAME_LDAP_URL, with defaults for OpenLDAP otherwise', () => {
    assert.equal(parseLdapConfig({}), null);
    const config = parseLdapConfig(base)!;
    assert.equal(config.url, 'ldaps://ldap.example.org');
    assert.equal(config.userFilter, '(&(objectClass=person)(uid={username}))');
    assert.equal(config.groupSource, 'memberOf');
    assert.equal(config.timeoutMs, 5000);
  });

  it('refuses settings that would be insecure or cannot work, naming the variable', () => {
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ SESAME_LDAP_URL: 'http://ldap.example.org' }, 'SESAME_LDAP_URL', /ldap:\/\/ or ldaps:\/\//],
      [{ SESAME_LDAP_URL: 'ldap://ldap.example.org' }, 'SESAME_LDAP_URL', /unencrypted/],
      [{ SESAME_LDAP_URL: 'ldaps://x', SESAME_LDAP_STARTTLS: 'true' }, 'SESAME_LDAP_STARTTLS', /already encrypted/],
      [{ SESAME_LDAP_USER_BASE: '' }, 'SESAME_LDAP_USER_BASE', /required/],
      [{ SESAME_LDAP_BIND_DN: 'cn=reader,dc=example,dc=org' }, 'SESAME_LDAP_BIND_PASSWORD', /anonymous bind/],
      [{ SESAME_LDAP_USER_FILTER: '(uid=alice)' }, 'SESAME_LDAP_USER_FILTER', /\{username\}/],
      [{ SESAME_LDAP_USER_FILTER: 'uid={username}' }, 'SESAME_LDAP_USER_FILTER', /parentheses/],
      [{ SESAME_LDAP_GROUP_SOURCE: 'search' }, 'SESAME_LDAP_GROUP_BASE', /required/],
      [{ SESAME_LDAP_GROUP_SOURCE: 'nested' }, 'SESAME_LDAP_GROUP_SOURCE', /memberOf or search/],
      [{ SESAME_LDAP_TIMEOUT_MS: '5s' }, 'SESAME_LDAP_TIMEOUT_MS', /milliseconds/],
      [{ SESAME_LDAP_CA_FILE: '/nonexistent/ca.pem' }, 'SESAME_LDAP_CA_FILE', /cannot be read/],
      [{ SESAME_LDAP_USER_BIND_TEMPLATE: 'uid=x,dc=org' }, 'SESAME_LDAP_USER_BIND_TEMPLATE', /\{username\}/],
    ];
    for (const [extra, variable, message] of cases) {
      assert.throws(
        () => parseLdapConfig({ ...base, ...extra }),
        (e: unknown) => e instanceof ConfigError && e.variable === variable && message.test(e.message),
        `${JSON.stringify(extra)} → ${variable}`,
      );
    }
  });

  it('plain ldap:// is allowed on loopback, with StartTLS, or when explicitly allowed', () => {
    assert.ok(parseLdapConfig({ ...base, SESAME_LDAP_URL: 'ldap://127.0.0.1:3389' }));
    assert.ok(parseLdapConfig({ ...base, SESAME_LDAP_URL: 'ldap://ldap.example.org', SESAME_LDAP_STARTTLS: 'true' }));
    assert.ok(parseLdapConfig({ ...base, SESAME_LDAP_URL: 'ldap://ldap.example.org', SESAME_LDAP_ALLOW_PLAINTEXT: 'true' }));
  });

  it('reads the service password and the CA bundle from files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-ldapcfg-'));
    try {
      fs.writeFileSync(path.join(dir, 'pw'), 's3cret\n');
      fs.writeFileSync(path.join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
      const config = parseLdapConfig({ ...base, SESAME_LDAP_BIND_DN: 'cn=r', SESAME_LDAP_BIND_PASSWORD_FILE: 'pw', SESAME_LDAP_CA_FILE: 'ca.pem' }, dir)!;
      assert.equal(config.bindPassword, 's3cret');
      assert.match(config.caCertificates!, /BEGIN CERTIFICATE/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('identifies entries by entryUUID, objectGUID or nsUniqueId unless SESAME_LDAP_ID_ATTRIBUTE names one', () => {
    assert.deepEqual(parseLdapConfig(base)!.idAttributes, DEFAULT_ID_ATTRIBUTES);
    assert.deepEqual(DEFAULT_ID_ATTRIBUTES, ['entryUUID', 'objectGUID', 'nsUniqueId']);
    assert.deepEqual(parseLdapConfig({ ...base, SESAME_LDAP_ID_ATTRIBUTE: 'ipaUniqueID' })!.idAttributes, ['ipaUniqueID']);
    assert.throws(() => parseLdapConfig({ ...base, SESAME_LDAP_ID_ATTRIBUTE: 'entry UUID' }), (e: unknown) => e instanceof ConfigError && /SESAME_LDAP_ID_ATTRIBUTE/.test(e.message));
  });

  it('warns at start-up when the username attribute is neither uid nor sAMAccountName (users may be able to edit it)', () => {
    assert.deepEqual(ldapConfigWarnings(parseLdapConfig(base)!), []);
    assert.deepEqual(ldapConfigWarnings(parseLdapConfig({ ...base, SESAME_LDAP_USERNAME_ATTRIBUTE: 'sAMAccountName' })!), []);
    const [warning] = ldapConfigWarnings(parseLdapConfig({ ...base, SESAME_LDAP_USERNAME_ATTRIBUTE: 'mail' })!);
    assert.match(warning ?? '', /SESAME_LDAP_USERNAME_ATTRIBUTE=mail.*neither uid nor sAMAccountName/);
  });
});
