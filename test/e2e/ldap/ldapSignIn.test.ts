/**
 * User story (issue 5): the company keeps people in OpenLDAP. An admin points Sesame at it
 * (StartTLS, a read-only service account), maps the directory group aws-admins onto a Sesame group
 * that holds an AWS role grant, and directory users sign in beside local ones. Everything runs for
 * real: Debian slapd on loopback, the Sesame server process, the sesame CLI, xmlsec1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import { BrowserSession, formAction, hiddenField, signIn } from '../../helpers/browserSession';
import { sesameCli, startSesame, type SesameInstance, sesameCliOk } from '../../helpers/sesameProcess';
import { certificateFromMetadata, verifyWithXmlsec1 } from '../../helpers/xmlsec';
import { DIRECTORY_PASSWORDS, DIRECTORY_SEED, LDAP_READER_DN, LDAP_READER_PASSWORD, LDAP_SUFFIX, startSlapd, type Slapd } from '../../helpers/slapd';

const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const ROLE_ATTR = 'https://aws.amazon.com/SAML/Attributes/Role';
const RSN_ATTR = 'https://aws.amazon.com/SAML/Attributes/RoleSessionName';
const ADMIN_ROLE = 'arn:aws:iam::111122223333:role/Admin';
const PROVIDER = 'arn:aws:iam::111122223333:saml-provider/Sesame';
const LOCAL_ADMIN = { username: 'root1', password: 'local admin long secret' };
const AWS_ADMINS_DN = `cn=aws-admins,ou=groups,${LDAP_SUFFIX}`;

let slapd: Slapd;
let idp: SesameInstance;
let admin: BrowserSession;

const cli = (args: string[], stdin?: string) => sesameCliOk(idp, args, stdin);

/** Submits an admin-console form the way a browser without JavaScript would: CSRF token from the page, then POST. */
async function adminPost(session: BrowserSession, page: string, action: string, fields: Record<string, string>) {
  const html = (await session.get(page)).body;
  const csrf = hiddenField(html, '_csrf');
  assert.ok(csrf, `no CSRF token on ${page}`);
  return session.postForm(action, { _csrf: csrf, ...fields });
}

async function roleValuesFor(session: BrowserSession): Promise<{ status: number; roles: string[]; sessionName: string | null; xml: string }> {
  const page = await session.get('/aws/sso');
  if (page.status !== 200) return { status: page.status, roles: [], sessionName: null, xml: page.body };
  assert.equal(formAction(page.body, 'saml-post'), 'https://signin.aws.amazon.com/saml');
  const xml = Buffer.from(hiddenField(page.body, 'SAMLResponse')!, 'base64').toString('utf8');
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const values = (name: string) =>
    Array.from(doc.getElementsByTagNameNS(SAML, 'Attribute'))
      .filter((a) => a.getAttribute('Name') === name)
      .flatMap((a) => Array.from(a.getElementsByTagNameNS(SAML, 'AttributeValue')).map((v) => v.textContent ?? ''));
  return { status: 200, roles: values(ROLE_ATTR), sessionName: values(RSN_ATTR)[0] ?? null, xml };
}

before(async () => {
  slapd = await startSlapd(DIRECTORY_SEED);
  idp = await startSesame({
    SESAME_LDAP_URL: slapd.ldapUrl,
    SESAME_LDAP_STARTTLS: 'true',
    SESAME_LDAP_CA_FILE: slapd.caFile,
    SESAME_LDAP_BIND_DN: LDAP_READER_DN,
    SESAME_LDAP_BIND_PASSWORD: LDAP_READER_PASSWORD,
    SESAME_LDAP_USER_BASE: `ou=people,${LDAP_SUFFIX}`,
    SESAME_LDAP_DISABLED_FILTER: '(employeeType=disabled)',
    SESAME_LDAP_TIMEOUT_MS: '2000',
  });
  cli(['user', 'add', LOCAL_ADMIN.username, '--admin', '--password-stdin'], LOCAL_ADMIN.password);
  cli(['group', 'add', 'cloud-admins']);
  cli(['grant', 'add', '--group', 'cloud-admins', '--role-arn', ADMIN_ROLE, '--provider-arn', PROVIDER, '--duration', '3600']);
  admin = new BrowserSession(idp.baseUrl);
  assert.equal((await signIn(admin, LOCAL_ADMIN.username, LOCAL_ADMIN.password)).status, 303);
  const mapped = await adminPost(admin, '/admin/groups/cloud-admins', '/admin/groups/cloud-admins/directory', { directoryGroup: AWS_ADMINS_DN });
  assert.equal(mapped.status, 303, mapped.body.slice(0, 500));
});

after(async () => {
  await idp?.stop();
  await slapd?.destroy();
});

describe('LDAP/AD sign-in (OpenLDAP slapd, StartTLS, search-then-bind)', () => {
  test('a directory user whose directory group is mapped to an AWS grant gets that Role in a signed assertion', async () => {
    const dora = new BrowserSession(idp.baseUrl);
    const login = await signIn(dora, 'dora', DIRECTORY_PASSWORDS.dora);
    assert.equal(login.status, 303, login.body.slice(0, 400));
    const portal = await dora.get('/');
    assert.ok(portal.body.includes('Dora Directory'), 'display name from the directory');
    const { status, roles, sessionName, xml } = await roleValuesFor(dora);
    assert.equal(status, 200);
    assert.deepEqual(roles, [`${ADMIN_ROLE},${PROVIDER}`]);
    assert.equal(sessionName, 'dora@example.org', 'RoleSessionName from the directory mail attribute');
    const metadata = await (await fetch(`${idp.baseUrl}/saml/metadata`)).text();
    const verdict = await verifyWithXmlsec1(xml, certificateFromMetadata(metadata), { node: 'Assertion' });
    assert.ok(verdict.ok, verdict.output);

    const audit = JSON.parse(cli(['audit', 'list', '--json', '--limit', '200'])) as Array<{ event: string; subject: string; details: Record<string, unknown> }>;
    assert.ok(audit.some((e) => e.event === 'directory.user.provision' && e.subject === 'dora'));
    assert.ok(audit.some((e) => e.event === 'directory.groups.sync' && e.subject === 'dora' && (e.details.added as string[]).includes('cloud-admins')));
    const users = await admin.get('/admin/users');
    assert.match(users.body, /dora<\/a><\/td>\s*<td>Dora Directory<\/td>\s*<td>dora@example.org<\/td>\s*<td>directory<\/td>/);
  });

  test('a wrong password and an unknown user get the same 401; nobody is signed in', async () => {
    for (const [username, password] of [['dora', 'not-doras-password'], ['nosuchperson', 'whatever-it-is']] as const) {
      const browser = new BrowserSession(idp.baseUrl);
      const login = await signIn(browser, username, password);
      assert.equal(login.status, 401, username);
      assert.match(login.body, /Incorrect username or password/);
      assert.equal((await browser.get('/')).status, 303, 'still anonymous');
    }
  });

  test('a disabled directory account (SESAME_LDAP_DISABLED_FILTER) with the right password gets 403 "disabled"', async () => {
    const browser = new BrowserSession(idp.baseUrl);
    const login = await signIn(browser, 'eric', DIRECTORY_PASSWORDS.eric);
    assert.equal(login.status, 403);
    assert.match(login.body, /disabled/);
    assert.equal((await browser.get('/')).status, 303);
  });

  test('LDAP injection in the username signs nobody in, even with a real password', async () => {
    for (const payload of ['*', 'dora)(uid=*', '*)(|(uid=*', 'd*']) {
      const browser = new BrowserSession(idp.baseUrl);
      const login = await signIn(browser, payload, DIRECTORY_PASSWORDS.dora);
      assert.equal(login.status, 401, payload);
      assert.equal((await browser.get('/')).status, 303, payload);
    }
  });

  test('membership follows the directory: removed from aws-admins, the role is gone at the next sign-in', async () => {
    slapd.ldapmodify(`dn: ${AWS_ADMINS_DN}\nchangetype: modify\ndelete: member\nmember: uid=dora,ou=people,${LDAP_SUFFIX}\n`);
    try {
      const dora = new BrowserSession(idp.baseUrl);
      assert.equal((await signIn(dora, 'dora', DIRECTORY_PASSWORDS.dora)).status, 303);
      const { status } = await roleValuesFor(dora);
      assert.equal(status, 403, 'no grant any more, so no assertion');
    } finally {
      slapd.ldapmodify(`dn: ${AWS_ADMINS_DN}\nchangetype: modify\nadd: member\nmember: uid=dora,ou=people,${LDAP_SUFFIX}\n`);
    }
    const again = new BrowserSession(idp.baseUrl);
    assert.equal((await signIn(again, 'dora', DIRECTORY_PASSWORDS.dora)).status, 303);
    assert.deepEqual((await roleValuesFor(again)).roles, [`${ADMIN_ROLE},${PROVIDER}`]);
  });

  test('sesame user unlink-directory: the directory session ends at its next click, and the next sign-in binds the account again (audited)', async () => {
    const dora = new BrowserSession(idp.baseUrl);
    assert.equal((await signIn(dora, 'dora', DIRECTORY_PASSWORDS.dora)).status, 303);
    assert.equal((await dora.get('/')).status, 200);
    const page = (await admin.get('/admin/users/dora')).body;
    assert.match(page, /Bound to directory entry entryUUID:[0-9a-f-]{36}/);
    assert.match(page, /Unlink directory entry/);
    assert.match(cli(['user', 'unlink-directory', 'dora']), /unlinked dora/);
    assert.equal((await dora.get('/')).status, 303, 'the session pinned to the old link ended');
    const again = new BrowserSession(idp.baseUrl);
    assert.equal((await signIn(again, 'dora', DIRECTORY_PASSWORDS.dora)).status, 303);
    assert.deepEqual((await roleValuesFor(again)).roles, [`${ADMIN_ROLE},${PROVIDER}`]);
    const audit = JSON.parse(cli(['audit', 'list', '--json', '--limit', '50'])) as Array<{ event: string; subject: string }>;
    for (const event of ['admin.user.unlink-directory', 'directory.user.relink']) assert.ok(audit.some((e) => e.event === event && e.subject === 'dora'), event);
    const local = sesameCli(idp, ['user', 'unlink-directory', LOCAL_ADMIN.username]);
    assert.equal(local.status, 2);
    assert.match(local.stderr, /not a directory user/);
  });

  test('finding 11: mapping a directory group by its bare name warns (CLI and admin console) that it matches that name in any OU', async () => {
    const out = cli(['group', 'map-directory', 'cloud-admins', 'aws-admins']);
    assert.match(out, /warning: "aws-admins" is a group name, not a DN: it matches every directory group named so, in any OU/);
    const page = (await admin.get('/admin/groups/cloud-admins')).body;
    assert.match(page, /bare name: matches a group of this name in any OU/);
    const viaConsole = await adminPost(admin, '/admin/groups/cloud-admins', '/admin/groups/cloud-admins/directory', { directoryGroup: 'developers' });
    assert.equal(viaConsole.status, 303);
    assert.match((await admin.get('/admin/groups/cloud-admins')).body, /Warning: &#34;developers&#34; is a group name, not a DN/);
    cli(['group', 'unmap-directory', 'cloud-admins', 'aws-admins']);
    cli(['group', 'unmap-directory', 'cloud-admins', 'developers']);
    assert.doesNotMatch(cli(['group', 'map-directory', 'cloud-admins', AWS_ADMINS_DN]), /warning/);
  });

  test("a directory user's password cannot be set in Sesame", async () => {
    const response = await adminPost(admin, '/admin/users/dora', '/admin/users/dora/password', { password: 'a new long password', passwordRepeat: 'a new long password' });
    assert.equal(response.status, 400);
    assert.match(response.body, /company directory/);
  });

  test('a stopped slapd gives directory users a clear 503 (not a crash, not "wrong password"); local users still sign in', async () => {
    await slapd.stop();
    try {
      const dora = new BrowserSession(idp.baseUrl);
      const login = await signIn(dora, 'dora', DIRECTORY_PASSWORDS.dora);
      assert.equal(login.status, 503);
      assert.match(login.body, /directory cannot be reached/);
      assert.equal((await dora.get('/')).status, 303);
      const local = new BrowserSession(idp.baseUrl);
      assert.equal((await signIn(local, LOCAL_ADMIN.username, LOCAL_ADMIN.password)).status, 303, 'local accounts do not depend on the directory');
      const audit = JSON.parse(cli(['audit', 'list', '--json', '--event', 'signin.failure', '--limit', '20'])) as Array<{ details: Record<string, unknown> }>;
      assert.ok(audit.some((e) => e.details.reason === 'directory_unavailable'));
    } finally {
      await slapd.start();
    }
    const dora = new BrowserSession(idp.baseUrl);
    assert.equal((await signIn(dora, 'dora', DIRECTORY_PASSWORDS.dora)).status, 303, 'back once the directory is');
  });
});
