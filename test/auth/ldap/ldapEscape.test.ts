import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeDnValue, escapeFilterValue, fillTemplate } from '../../../src/auth/ldap/ldapEscape';
import { firstRdnValue } from '../../../src/auth/ldap/ldapDirectory';
import { mappedGroupIds, normalizeDn } from '../../../src/auth/ldap/directorySignIn';

describe('LDAP escaping', () => {
  it('RFC 4515 §4 examples and the classic injection payloads', () => {
    assert.equal(escapeFilterValue('Parens R Us (for all your parenthetical needs)'), 'Parens R Us \\28for all your parenthetical needs\\29');
    assert.equal(escapeFilterValue('*'), '\\2a');
    assert.equal(escapeFilterValue('C:\\MyFile'), 'C:\\5cMyFile');
    assert.equal(escapeFilterValue('a\u0000b'), 'a\\00b');
    assert.equal(escapeFilterValue('Lučić'), 'Lučić', 'UTF-8 stays literal');
    const payload = '*)(uid=*))(|(uid=*';
    const filter = fillTemplate('(&(objectClass=person)(uid={username}))', { username: payload }, escapeFilterValue);
    assert.equal(filter, '(&(objectClass=person)(uid=\\2a\\29\\28uid=\\2a\\29\\29\\28|\\28uid=\\2a))');
    assert.equal(filter.split('(').length - 1, 3, 'only the template\'s three parentheses are syntax');
  });

  it('RFC 4514 §2.4 special characters in DN values', () => {
    assert.equal(escapeDnValue('grace+ops'), 'grace\\+ops');
    assert.equal(escapeDnValue('Sue, Grabbit and Runn'), 'Sue\\, Grabbit and Runn');
    assert.equal(escapeDnValue('a"b;c<d>e\\f=g'), 'a\\"b\\;c\\<d\\>e\\\\f\\=g');
    assert.equal(escapeDnValue('#hash'), '\\#hash');
    assert.equal(escapeDnValue(' lead'), '\\ lead');
    assert.equal(escapeDnValue('trail '), 'trail\\ ');
    assert.equal(escapeDnValue('x\u0000y'), 'x\\00y');
    assert.equal(
      fillTemplate('uid={username},ou=people,dc=example,dc=org', { username: 'x,ou=admins' }, escapeDnValue),
      'uid=x\\,ou\\=admins,ou=people,dc=example,dc=org',
    );
  });

  it('group names come from the first RDN; mappings match a DN or a name, case-insensitively', () => {
    assert.equal(firstRdnValue('cn=aws-admins,ou=groups,dc=example,dc=org'), 'aws-admins');
    assert.equal(firstRdnValue('CN=Domain Admins,CN=Users,DC=corp,DC=example'), 'Domain Admins');
    assert.equal(firstRdnValue('cn=a\\,b,ou=g'), 'a,b');
    assert.equal(firstRdnValue('cn=AWS\\2C Admins,ou=g'), 'AWS, Admins', 'hex escape as servers return it');
    assert.equal(firstRdnValue('uid=grace\\2Bops,ou=people'), 'grace+ops');
    assert.equal(firstRdnValue('cn=Lu\\C4\\8Di\\C4\\87,ou=g'), 'Lučić', 'UTF-8 bytes');
    assert.equal(firstRdnValue('cn=100%,ou=g'), '100%');
    assert.equal(normalizeDn('CN=AWS Admins , OU=Groups,DC=Example'), 'cn=aws admins,ou=groups,dc=example');
    const groups = [{ dn: 'cn=aws-admins,ou=groups,dc=example,dc=org', name: 'aws-admins' }];
    const mappings = [
      { directoryGroup: 'CN=AWS-Admins, OU=groups, DC=example, DC=org', groupId: 1 },
      { directoryGroup: 'aws-admins', groupId: 2 },
      { directoryGroup: 'aws-admin', groupId: 3 },
      { directoryGroup: 'cn=aws-admins,ou=other,dc=example,dc=org', groupId: 4 },
    ];
    assert.deepEqual(mappedGroupIds(groups, mappings).sort(), [1, 2]);
  });
});
