/**
 * Security review fixes, over HTTP with a browser-like client and the JSON API against the real
 * Sesame process, driven by the real `sesame` command:
 *  - a password-only session (or API token) of a user who becomes subject to a second-factor policy
 *    gets no assertion any more: the browser goes through the second step, keeping its target, and
 *    the token gets 401 otp_required (finding 1);
 *  - setting up the second factor at sign-in needs an administrator's one-time enrolment code;
 *    voluntary enrolment from the account page does not (finding 3);
 *  - changing a password (admin or self-service), resetting the second factor and disabling a user
 *    end the user's other sessions and revoke their API tokens (finding 6);
 *  - sessions nobody signed in to live 15 minutes, not the idle time (finding 9).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BrowserSession, hiddenField, signIn, signedInSession } from '../../helpers/browserSession';
import { startSesame, type SesameInstance, sesameCliOk } from '../../helpers/sesameProcess';
import { SqliteStore } from '../../../src/store/sqliteStore';
import { totpFromPython } from './totpPeer';

const ADMIN = { username: 'root1', password: 'the admin long secret' };
const ALICE = { username: 'alice', password: 'first long secret one' };
const BOB = { username: 'bob', password: 'second long secret two' };
const CAROL = { username: 'carol', password: 'third long secret three' };
const FRANK = { username: 'frank', password: 'fourth long secret four' };
const ROLE = 'arn:aws:iam::111122223333:role/Developer';
const PROVIDER = 'arn:aws:iam::111122223333:saml-provider/Sesame';
const REFEDS_MFA = 'https://refeds.org/profile/mfa';

let idp: SesameInstance;

const cli = (args: string[], stdin?: string) => sesameCliOk(idp, args, stdin);

const signedIn = (who: { username: string; password: string }) => signedInSession(idp.baseUrl, who);

async function api(method: string, pathName: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(idp.baseUrl + pathName, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : {}) as Record<string, any> };
}

async function apiToken(who: { username: string; password: string }, otp?: string): Promise<string> {
  const response = await api('POST', '/api/v1/session', { username: who.username, password: who.password, ...(otp ? { otp } : {}) });
  assert.equal(response.status, 200, JSON.stringify(response.json));
  return response.json.token as string;
}

const samlResponseOf = (html: string) => {
  const value = hiddenField(html, 'SAMLResponse');
  return value ? Buffer.from(value, 'base64').toString('utf8') : null;
};

/** Reads the instance's own database (the rows a running Sesame wrote). */
function withStore<T>(read: (store: SqliteStore) => T): T {
  const store = SqliteStore.open(path.join(idp.dir, 'data'));
  try {
    return read(store);
  } finally {
    void store.close();
  }
}

function auditEvents(event: string): Array<{ actor: string; subject: string; details: Record<string, unknown> }> {
  return JSON.parse(cli(['audit', 'list', '--json', '--event', event, '--limit', '100']));
}

function enrolmentCodeFor(username: string): string {
  const out = cli(['user', 'mfa-enrol-code', username]);
  const match = new RegExp(`enrolment code for ${username}: ([a-z2-9-]+)`).exec(out);
  assert.ok(match, out);
  return match[1]!;
}

before(async () => {
  idp = await startSesame();
  cli(['user', 'add', ADMIN.username, '--admin', '--password-stdin'], ADMIN.password);
  for (const who of [ALICE, BOB, CAROL, FRANK]) cli(['user', 'add', who.username, '--password-stdin'], who.password);
  cli(['group', 'add', 'devs']);
  for (const who of [ALICE, BOB, CAROL, FRANK]) cli(['group', 'add-member', 'devs', who.username]);
  cli(['grant', 'add', '--group', 'devs', '--role-arn', ROLE, '--provider-arn', PROVIDER]);
});

after(async () => {
  await idp?.stop();
});

describe('finding 1: a second-factor policy applies to sessions and tokens opened before it', () => {
  const target = `/aws/sso?role=${encodeURIComponent(ROLE)}`;
  let alice: BrowserSession;
  let aliceElsewhere: BrowserSession;
  let aliceElsewhereCsrf: string;
  let token: string;

  test('before the policy, alice\'s password-only session and API token get assertions (the control)', async () => {
    alice = await signedIn(ALICE);
    const sso = await alice.get(target);
    assert.equal(sso.status, 200);
    assert.ok(samlResponseOf(sso.body));
    token = await apiToken(ALICE);
    assert.equal((await api('POST', '/api/v1/aws/saml-response', { roleArn: ROLE }, token)).status, 200);
    aliceElsewhere = await signedIn(ALICE);
    aliceElsewhereCsrf = hiddenField((await aliceElsewhere.get('/account')).body, '_csrf')!;
  });

  test('once devs requires a second factor, /aws/sso sends the same session to the second step instead of signing an assertion', async () => {
    cli(['group', 'require-mfa', 'devs', 'yes']);
    const sso = await alice.get(target);
    assert.equal(sso.status, 303);
    assert.equal(sso.headers.get('location'), '/login/mfa');
    assert.equal(samlResponseOf(sso.body), null, 'no assertion');
    assert.equal((await alice.get('/')).status, 303, 'and the session is not signed in any more');
    const page = await alice.get('/login/mfa');
    assert.equal(page.status, 200);
    assert.match(page.body, /Set up your second factor/);
    assert.match(page.body, /enrolment code/i);
    const [stepUp] = auditEvents('session.step-up');
    assert.equal(stepUp?.subject, 'alice');
  });

  test('signing out needs no step-up: a password-only session can still end itself', async () => {
    const out = await aliceElsewhere.postForm('/logout', { _csrf: aliceElsewhereCsrf });
    assert.equal(out.status, 303);
    assert.equal(out.headers.get('location'), '/login?signedOut=1');
    assert.ok(auditEvents('signout').some((e) => e.subject === 'alice'));
  });

  test('the API token made without a code now gets 401 otp_required, for roles and for assertions', async () => {
    const roles = await api('GET', '/api/v1/aws/roles', undefined, token);
    assert.equal(roles.status, 401);
    assert.equal(roles.json.error, 'otp_required');
    const assertion = await api('POST', '/api/v1/aws/saml-response', { roleArn: ROLE }, token);
    assert.equal(assertion.status, 401);
    assert.equal(assertion.json.error, 'otp_required');
    assert.equal(assertion.json.samlResponse, undefined);
  });

  test('finding 3: enrolling at sign-in needs the admin\'s enrolment code: none or a wrong one is refused, the right one works once, then the step-up goes on to the target', async () => {
    const page = await alice.get('/login/mfa');
    const secret = /<code class="secret" id="totp-secret">([A-Z2-7 ]+)<\/code>/.exec(page.body)![1]!.replace(/ /g, '');
    const csrf = hiddenField(page.body, '_csrf')!;
    const without = await alice.postForm('/login/mfa/enrol', { _csrf: csrf, code: totpFromPython(secret) });
    assert.equal(without.status, 400, 'the password alone cannot choose the second factor');
    assert.match(without.body, /enrolment code/);
    const wrong = await alice.postForm('/login/mfa/enrol', { _csrf: csrf, enrolmentCode: 'abcd-efgh-jkmn', code: totpFromPython(secret) });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body, /enrolment code is not right/);
    assert.equal(withStore((s) => s.db.prepare('SELECT COUNT(*) AS n FROM mfa_totp').get() as { n: number }).n, 0, 'nothing enrolled');

    const code = enrolmentCodeFor('alice');
    assert.ok(!withStore((s) => JSON.stringify(s.db.prepare('SELECT * FROM mfa_enrolment_codes').all())).includes(code), 'only a hash is stored');
    const done = await alice.postForm('/login/mfa/enrol', { _csrf: csrf, enrolmentCode: code, code: totpFromPython(secret) });
    assert.equal(done.status, 200, done.body.slice(0, 400));
    assert.ok(done.body.includes(`href="${target}"`), 'continues to where the step-up started');
    const sso = await alice.get(target);
    assert.equal(sso.status, 200);
    assert.ok(samlResponseOf(sso.body)!.includes(`<saml:AuthnContextClassRef>${REFEDS_MFA}</saml:AuthnContextClassRef>`));

    const failures = auditEvents('mfa.enrol.failure').filter((e) => e.subject === 'alice').map((e) => e.details.reason);
    assert.ok(failures.includes('enrolment_code_missing') && failures.includes('wrong_enrolment_code'), failures.join(','));
    assert.ok(auditEvents('mfa.enrol').some((e) => e.subject === 'alice' && e.details.enrolmentCode === 'redeemed'));
    assert.ok(auditEvents('admin.user.mfa-enrol-code').some((e) => e.subject === 'alice' && e.actor.startsWith('cli:')));

    // The code was spent: after a reset, it does not let anyone enrol again.
    cli(['user', 'mfa-reset', 'alice']);
    const again = new BrowserSession(idp.baseUrl);
    assert.equal((await signIn(again, ALICE.username, ALICE.password)).headers.get('location'), '/login/mfa');
    const page2 = await again.get('/login/mfa');
    const secret2 = /<code class="secret" id="totp-secret">([A-Z2-7 ]+)<\/code>/.exec(page2.body)![1]!.replace(/ /g, '');
    const reused = await again.postForm('/login/mfa/enrol', { _csrf: hiddenField(page2.body, '_csrf')!, enrolmentCode: code, code: totpFromPython(secret2) });
    assert.equal(reused.status, 400);
    cli(['group', 'require-mfa', 'devs', 'no']);
  });

  test('finding 3: voluntary enrolment from the account page needs no enrolment code, and the session goes on with both factors', async () => {
    const carol = await signedIn(CAROL);
    const page = await carol.get('/account/mfa');
    assert.doesNotMatch(page.body, /enrolmentCode/);
    const secret = /<code class="secret" id="totp-secret">([A-Z2-7 ]+)<\/code>/.exec(page.body)![1]!.replace(/ /g, '');
    const done = await carol.postForm('/account/mfa', { _csrf: hiddenField(page.body, '_csrf')!, code: totpFromPython(secret) });
    assert.equal(done.status, 200, done.body.slice(0, 400));
    assert.equal((await carol.get('/account')).status, 200, 'not sent to the second step after proving the new factor');
    const sso = await carol.get('/aws/sso');
    assert.ok(samlResponseOf(sso.body)!.includes(REFEDS_MFA));
  });
});

describe('finding 6: password changes, second-factor resets and disabling end sessions and API tokens', () => {
  const sessionsOf = (username: string) =>
    withStore((s) => {
      const user = s.db.prepare('SELECT id FROM users WHERE username = ?').get(username) as { id: number };
      return (s.db.prepare(`SELECT COUNT(*) AS n FROM sessions WHERE json_extract(data, '$.userId') = ?`).get(user.id) as { n: number }).n;
    });

  test('sesame user passwd: every session of the user and every API token end', async () => {
    const laptop = await signedIn(BOB);
    const phone = await signedIn(BOB);
    const token = await apiToken(BOB);
    cli(['user', 'passwd', BOB.username, '--password-stdin'], 'second brand new secret');
    assert.equal((await laptop.get('/')).status, 303);
    assert.equal((await phone.get('/')).status, 303);
    const roles = await api('GET', '/api/v1/aws/roles', undefined, token);
    assert.equal(roles.status, 401);
    assert.equal(roles.json.error, 'invalid_token');
    BOB.password = 'second brand new secret';
    const [entry] = auditEvents('admin.user.password');
    assert.deepEqual([entry!.details.sessionsEnded, entry!.details.apiTokensRevoked], [2, 1]);
  });

  test('admin console: disabling ends sessions and tokens for good (enabling again does not bring them back); the admin\'s own session stays', async () => {
    const admin = await signedIn(ADMIN);
    const bob = await signedIn(BOB);
    const token = await apiToken(BOB);
    const csrf = hiddenField((await admin.get('/admin/users/bob')).body, '_csrf')!;
    assert.equal((await admin.postForm('/admin/users/bob/disable', { _csrf: csrf })).status, 303);
    assert.equal(sessionsOf('bob'), 0, 'the rows are gone, not just refused');
    assert.equal((await admin.postForm('/admin/users/bob/enable', { _csrf: csrf })).status, 303);
    assert.equal((await bob.get('/')).status, 303, 'the old session did not come back');
    assert.equal((await api('GET', '/api/v1/aws/roles', undefined, token)).status, 401, 'nor the old token');
    assert.equal((await admin.get('/admin')).status, 200);
  });

  test('admin console: resetting the second factor ends the user\'s sessions and tokens', async () => {
    const admin = await signedIn(ADMIN);
    // carol enrolled from her account page above; she signs in with a code on a second device.
    const secretRow = withStore((s) => s.db.prepare(`SELECT secret FROM mfa_totp t JOIN users u ON u.id = t.user_id WHERE u.username = 'carol'`).get() as { secret: string });
    const token = await apiToken(CAROL, totpFromPython(secretRow.secret, 1));
    assert.ok(sessionsOf('carol') >= 1);
    const csrf = hiddenField((await admin.get('/admin/users/carol')).body, '_csrf')!;
    assert.equal((await admin.postForm('/admin/users/carol/mfa-reset', { _csrf: csrf })).status, 303);
    assert.equal(sessionsOf('carol'), 0);
    assert.equal((await api('GET', '/api/v1/aws/roles', undefined, token)).status, 401);
  });

  test('self-service password change keeps the current session, ends the others and revokes API tokens', async () => {
    const other = await signedIn(FRANK);
    const current = await signedIn(FRANK);
    const token = await apiToken(FRANK);
    const csrf = hiddenField((await current.get('/account')).body, '_csrf')!;
    const changed = await current.postForm('/account/password', { _csrf: csrf, currentPassword: FRANK.password, newPassword: 'fourth brand new secret', newPasswordRepeat: 'fourth brand new secret' });
    assert.equal(changed.status, 303);
    assert.equal((await current.get('/account')).status, 200);
    assert.equal((await other.get('/')).status, 303);
    assert.equal((await api('GET', '/api/v1/aws/roles', undefined, token)).status, 401);
  });
});

describe('finding 9: sessions nobody signed in to are short-lived', () => {
  test('GET /login stores a session for its CSRF token that expires in 15 minutes; signing in gives the 60-minute idle time; the form still works', async () => {
    const browser = new BrowserSession(idp.baseUrl);
    const started = Date.now();
    const page = await browser.get('/login');
    const sid = decodeURIComponent(browser.cookieValue('sesame.sid')!).replace(/^s:/, '').split('.')[0]!;
    const anonymous = withStore((s) => s.db.prepare('SELECT expires_at FROM sessions WHERE sid = ?').get(sid) as { expires_at: number });
    const anonymousMinutes = (anonymous.expires_at - started) / 60_000;
    assert.ok(anonymousMinutes > 14 && anonymousMinutes <= 15.1, `anonymous session lives ${anonymousMinutes.toFixed(1)} minutes`);
    assert.match(browser.setCookieHeaders.at(-1)!, /Expires=/);

    const login = await browser.postForm('/login', { _csrf: hiddenField(page.body, '_csrf')!, username: ADMIN.username, password: ADMIN.password, next: '/' });
    assert.equal(login.status, 303, 'CSRF token of the short session still accepted');
    const signedInSid = decodeURIComponent(browser.cookieValue('sesame.sid')!).replace(/^s:/, '').split('.')[0]!;
    const row = withStore((s) => s.db.prepare('SELECT expires_at FROM sessions WHERE sid = ?').get(signedInSid) as { expires_at: number });
    const minutes = (row.expires_at - Date.now()) / 60_000;
    assert.ok(minutes > 59 && minutes <= 60.1, `signed-in session lives ${minutes.toFixed(1)} minutes`);
    const expires = Date.parse(/Expires=([^;]+)/.exec(browser.setCookieHeaders.at(-1)!)![1]!);
    assert.ok(expires - Date.now() > 55 * 60_000, 'and its cookie says so');
  });
});
