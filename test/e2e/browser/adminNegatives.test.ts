/**
 * The refusals of issue 5, over HTTP with a browser-like client against the real Sesame process:
 * non-admins get 403 on every admin page and form, forms without the CSRF token change nothing,
 * output is escaped, and the second factor refuses wrong, replayed and reused codes, locks after
 * repeated guesses, and is also demanded by the non-browser API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BrowserSession, hiddenField, signIn, signedInSession } from '../../helpers/browserSession';
import { sesameCli, startSesame, type SesameInstance, sesameCliOk } from '../../helpers/sesameProcess';
import { csvField } from '../../../src/web/routes/adminAuditRoutes';
import { totpFromPython } from './totpPeer';

const ADMIN = { username: 'root1', password: 'the admin long secret' };
const CAROL = { username: 'carol', password: 'the second long secret' };
const DAVE = { username: 'dave', password: 'the third long secret' };
const FRANK = { username: 'frank', password: 'the fourth long secret' };
const ERIN = { username: 'erin', password: 'the fifth long secret' };
const ROLE = 'arn:aws:iam::111122223333:role/Ops';
const PROVIDER = 'arn:aws:iam::111122223333:saml-provider/Sesame';

let idp: SesameInstance;

const cli = (args: string[], stdin?: string) => sesameCliOk(idp, args, stdin);

const signedIn = (who: { username: string; password: string }) => signedInSession(idp.baseUrl, who);

async function csrfOf(session: BrowserSession, page = '/account'): Promise<string> {
  const token = hiddenField((await session.get(page)).body, '_csrf');
  assert.ok(token);
  return token;
}

/** Enrols TOTP through the self-service page; returns the secret and the recovery codes shown once. */
async function enrolTotp(session: BrowserSession): Promise<{ secret: string; codes: string[] }> {
  const page = await session.get('/account/mfa');
  assert.equal(page.status, 200);
  const secret = /<code class="secret" id="totp-secret">([A-Z2-7 ]+)<\/code>/.exec(page.body)![1]!.replace(/ /g, '');
  const done = await session.postForm('/account/mfa', { _csrf: hiddenField(page.body, '_csrf')!, code: totpFromPython(secret) });
  assert.equal(done.status, 200, done.body.slice(0, 500));
  const codes = [...done.body.matchAll(/<li><code>([a-z2-9-]+)<\/code><\/li>/g)].map((m) => m[1]!);
  assert.equal(codes.length, 10);
  return { secret, codes };
}

/** Password step of the browser sign-in; the session then waits at /login/mfa. */
async function passwordOnly(who: { username: string; password: string }): Promise<BrowserSession> {
  const session = new BrowserSession(idp.baseUrl);
  const login = await signIn(session, who.username, who.password);
  assert.equal(login.status, 303);
  assert.equal(login.headers.get('location'), '/login/mfa');
  return session;
}

async function submitCode(session: BrowserSession, code: string) {
  const page = await session.get('/login/mfa');
  return session.postForm('/login/mfa', { _csrf: hiddenField(page.body, '_csrf')!, code });
}

before(async () => {
  idp = await startSesame();
  cli(['user', 'add', ADMIN.username, '--admin', '--password-stdin'], ADMIN.password);
  cli(['user', 'add', CAROL.username, '--password-stdin', '--display-name', '<script>alert(1)</script>'], CAROL.password);
  cli(['user', 'add', DAVE.username, '--password-stdin'], DAVE.password);
  cli(['user', 'add', FRANK.username, '--password-stdin'], FRANK.password);
  cli(['user', 'add', ERIN.username, '--password-stdin'], ERIN.password);
  cli(['group', 'add', 'ops', '--description', '"><img src=x onerror=alert(1)>']);
  cli(['group', 'add-member', 'ops', CAROL.username]);
  cli(['grant', 'add', '--group', 'ops', '--role-arn', ROLE, '--provider-arn', PROVIDER]);
});

after(async () => {
  await idp?.stop();
});

const ADMIN_PAGES = ['/admin', '/admin/users', '/admin/users/carol', '/admin/groups', '/admin/groups/ops', '/admin/aws', '/admin/aws?preview=carol', '/admin/keys', '/admin/audit', '/admin/audit?format=csv'];
const ADMIN_FORMS: Array<[string, Record<string, string>]> = [
  ['/admin/users', { username: 'mallory', password: 'mallory long secret', passwordRepeat: 'mallory long secret', isAdmin: 'on' }],
  ['/admin/users/carol/password', { password: 'taken over password', passwordRepeat: 'taken over password' }],
  ['/admin/users/root1/disable', {}],
  ['/admin/users/carol/mfa-reset', {}],
  ['/admin/users/carol/groups', { group: 'ops' }],
  ['/admin/groups', { name: 'evil' }],
  ['/admin/groups/ops/members', { username: 'dave' }],
  ['/admin/groups/ops/mfa', { required: 'on' }],
  ['/admin/groups/ops/directory', { directoryGroup: 'cn=x' }],
  ['/admin/aws/accounts', { accountId: '111122223333', label: 'x' }],
  ['/admin/aws/grants', { group: 'ops', roleArn: 'arn:aws:iam::111122223333:role/Admin', providerArn: PROVIDER }],
  ['/admin/aws/grants/remove', { id: '1' }],
  ['/admin/keys/next', {}],
  ['/admin/keys/activate', {}],
  ['/admin/keys/retire', { id: 'x' }],
];

describe('admin console refusals', () => {
  test('403: a signed-in non-admin reaches no admin page and no admin form, even with a valid CSRF token', async () => {
    const carol = await signedIn(CAROL);
    for (const page of ADMIN_PAGES) {
      const response = await carol.get(page);
      assert.equal(response.status, 403, page);
      assert.match(response.body, /Administrators only/);
      assert.doesNotMatch(response.body, /root1|Signing keys/, `${page} reveals nothing`);
    }
    const csrf = await csrfOf(carol);
    for (const [action, fields] of ADMIN_FORMS) assert.equal((await carol.postForm(action, { _csrf: csrf, ...fields })).status, 403, action);
    const users = JSON.parse(cli(['user', 'list', '--json'])) as Array<{ username: string; disabled: boolean }>;
    assert.ok(!users.some((u) => u.username === 'mallory'));
    assert.ok(!users.find((u) => u.username === 'root1')!.disabled);
    const denied = JSON.parse(cli(['audit', 'list', '--json', '--event', 'admin.denied', '--limit', '100'])) as Array<{ actor: string }>;
    assert.ok(denied.length >= ADMIN_PAGES.length && denied.every((d) => d.actor === 'carol'), 'each refusal is audited');
  });

  test('anonymous visitors are sent to the sign-in page, coming back to the admin page afterwards', async () => {
    const anonymous = new BrowserSession(idp.baseUrl);
    const response = await anonymous.get('/admin/keys');
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/login?next=%2Fadmin%2Fkeys');
    const login = await signIn(anonymous, ADMIN.username, ADMIN.password, '/admin/keys');
    assert.equal(login.headers.get('location'), '/admin/keys');
  });

  test('403 without (or with a wrong) CSRF token on every admin and account form, and nothing changes', async () => {
    const admin = await signedIn(ADMIN);
    const metadataBefore = await (await fetch(`${idp.baseUrl}/saml/metadata`)).text();
    for (const [action, fields] of ADMIN_FORMS) {
      assert.equal((await admin.postForm(action, fields)).status, 403, `${action} without token`);
      assert.equal((await admin.postForm(action, { _csrf: 'forged', ...fields })).status, 403, `${action} with a forged token`);
    }
    for (const action of ['/account/password', '/account/mfa', '/account/mfa/recovery-codes', '/account/sessions/end']) {
      assert.equal((await admin.postForm(action, {})).status, 403, action);
    }
    assert.ok(!(JSON.parse(cli(['user', 'list', '--json'])) as Array<{ username: string }>).some((u) => u.username === 'mallory'));
    assert.equal(await (await fetch(`${idp.baseUrl}/saml/metadata`)).text(), metadataBefore, 'no key was created');
    assert.equal((JSON.parse(cli(['grant', 'list', '--json'])) as unknown[]).length, 1);
  });

  test('every page escapes what users and admins typed', async () => {
    const admin = await signedIn(ADMIN);
    for (const page of ['/admin/users', '/admin/users/carol', '/admin/groups', '/admin/groups/ops']) {
      const body = (await admin.get(page)).body;
      assert.doesNotMatch(body, /<script>alert|<img src=x/, page);
    }
    assert.match((await admin.get('/admin/users')).body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match((await admin.get('/admin/groups')).body, /&#34;&gt;&lt;img src=x onerror=alert\(1\)&gt;/);
  });

  test('audit filters: a bad date is a 400 naming the filter; time, SP and event filters narrow the rows', async () => {
    const admin = await signedIn(ADMIN);
    const bad = await admin.get('/admin/audit?from=yesterday');
    assert.equal(bad.status, 400);
    assert.match(bad.body, /&#34;yesterday&#34; in &#34;from&#34; is not a date/);
    const future = await admin.get('/admin/audit?from=2999-01-01');
    assert.match(future.body, /<p class="hint">0 entries/);
    const csv = await admin.get(`/admin/audit?format=csv&event=admin.denied&to=2999-01-01T00:00`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    const rows = csv.body.trim().split('\r\n').slice(1);
    assert.ok(rows.length > 0 && rows.every((r) => r.split(',')[2] === 'admin.denied'));
    const none = await admin.get('/admin/audit?format=csv&sp=https://no.such.sp/');
    assert.equal(none.body.trim().split('\r\n').length, 1, 'only the header');
  });

  test('audit CSV cells cannot become spreadsheet formulas (RFC 4180 quoting, OWASP CSV injection)', () => {
    assert.equal(csvField('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
    assert.equal(csvField('+1'), "'+1");
    assert.equal(csvField('-2'), "'-2");
    assert.equal(csvField('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('line\nbreak'), '"line\nbreak"');
    assert.equal(csvField(null), '');
    assert.equal(csvField({ sp: 'x' }), '"{""sp"":""x""}"');
  });
});

describe('second factor refusals', () => {
  let secret = '';
  let codes: string[] = [];
  let usedCode = '';

  test('enrolment from the account page; from then on the password alone opens nothing', async () => {
    const carol = await signedIn(CAROL);
    ({ secret, codes } = await enrolTotp(carol));
    const pending = await passwordOnly(CAROL);
    for (const page of ['/', '/aws/sso', '/account']) {
      const response = await pending.get(page);
      assert.equal(response.status, 303, page);
      assert.match(response.headers.get('location') ?? '', /^\/login/, `${page}: a pending second factor is not a session`);
    }
  });

  test('a wrong code is refused (401); the right code signs in with REFEDS MFA on the session', async () => {
    const session = await passwordOnly(CAROL);
    const current = new Set([-1, 0, 1].map((o) => totpFromPython(secret, o)));
    const wrong = ['123456', '654321', '000000', '999999'].find((c) => !current.has(c))!;
    const refused = await submitCode(session, wrong);
    assert.equal(refused.status, 401);
    assert.match(refused.body, /not right/);
    // The enrolment spent this step's code; the next step's is inside the ±1 window and unused.
    usedCode = totpFromPython(secret, 1);
    const ok = await submitCode(session, usedCode);
    assert.equal(ok.status, 303);
    assert.equal((await session.get('/')).status, 200);
    const sso = await session.get('/aws/sso');
    const xml = Buffer.from(hiddenField(sso.body, 'SAMLResponse')!, 'base64').toString('utf8');
    assert.match(xml, /<saml:AuthnContextClassRef>https:\/\/refeds\.org\/profile\/mfa<\/saml:AuthnContextClassRef>/);
  });

  test('a replayed TOTP code is refused (401), even in another session', async () => {
    const session = await passwordOnly(CAROL);
    const replay = await submitCode(session, usedCode);
    assert.equal(replay.status, 401);
    assert.equal((await session.get('/')).status, 303);
    const audit = JSON.parse(cli(['audit', 'list', '--json', '--event', 'mfa.failure', '--limit', '20'])) as Array<{ details: { reason: string } }>;
    assert.ok(audit.some((a) => a.details.reason === 'replayed_code'));
  });

  test('a recovery code works once; reusing it is refused (401)', async () => {
    const first = await passwordOnly(CAROL);
    assert.equal((await submitCode(first, codes[0]!)).status, 303);
    const second = await passwordOnly(CAROL);
    assert.equal((await submitCode(second, codes[0]!)).status, 401);
    const account = (await first.get('/account')).body;
    assert.match(account, /<strong>9<\/strong> unused recovery codes left/);
  });

  test('the non-browser API demands the code too', async () => {
    const dave = await signedIn(DAVE);
    const { codes: daveCodes } = await enrolTotp(dave);
    const api = (body: Record<string, string>) =>
      fetch(`${idp.baseUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const without = await api({ username: DAVE.username, password: DAVE.password });
    assert.equal(without.status, 401);
    assert.equal(((await without.json()) as { error: string }).error, 'otp_required');
    const withCode = await api({ username: DAVE.username, password: DAVE.password, otp: daveCodes[0]! });
    assert.equal(withCode.status, 200);
    assert.equal(((await withCode.json()) as { secondFactor: boolean }).secondFactor, true);
    const reused = await api({ username: DAVE.username, password: DAVE.password, otp: daveCodes[0]! });
    assert.equal(reused.status, 401);
  });

  test('guesses are throttled: after 5 wrong codes even a valid recovery code gets 429', async () => {
    const session = await passwordOnly(CAROL);
    const current = new Set([-1, 0, 1, 2].map((o) => totpFromPython(secret, o)));
    const wrong = ['123456', '654321', '000000', '999999', '111111', '222222'].filter((c) => !current.has(c));
    let locked = false;
    for (let attempt = 0; attempt < 6 && !locked; attempt++) {
      const response = await submitCode(session, wrong[attempt % wrong.length]!);
      locked = response.status === 429;
      if (!locked) assert.equal(response.status, 401);
    }
    const blocked = await submitCode(session, codes[1]!);
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) > 60);
    assert.equal((await session.get('/')).status, 303);
  });

  test('an admin reset clears the factor and the lock; the group policy then makes carol enrol again at sign-in', async () => {
    const admin = await signedIn(ADMIN);
    const policy = await admin.postForm('/admin/groups/ops/mfa', { _csrf: await csrfOf(admin, '/admin/groups/ops'), required: 'on' });
    assert.equal(policy.status, 303);
    const reset = await admin.postForm('/admin/users/carol/mfa-reset', { _csrf: await csrfOf(admin, '/admin/users/carol') });
    assert.equal(reset.status, 303);
    const session = await passwordOnly(CAROL);
    const page = await session.get('/login/mfa');
    assert.match(page.body, /Set up your second factor/);
    assert.match(page.body, /<strong>ops<\/strong> requires a second factor/);
    const [entry] = JSON.parse(cli(['audit', 'list', '--json', '--event', 'admin.user.mfa-reset', '--limit', '1'])) as Array<{ actor: string; subject: string }>;
    assert.deepEqual([entry!.actor, entry!.subject], ['root1', 'carol']);
  });
});

describe('self-service', () => {
  test('password change: the current password is checked; success signs the other sessions out', async () => {
    const other = await signedIn(FRANK);
    const session = await signedIn(FRANK);
    const csrf = await csrfOf(session);
    const wrong = await session.postForm('/account/password', { _csrf: csrf, currentPassword: 'not my password', newPassword: 'a brand new long secret', newPasswordRepeat: 'a brand new long secret' });
    assert.equal(wrong.status, 401);
    const short = await session.postForm('/account/password', { _csrf: csrf, currentPassword: FRANK.password, newPassword: 'short', newPasswordRepeat: 'short' });
    assert.equal(short.status, 400);
    const ok = await session.postForm('/account/password', { _csrf: csrf, currentPassword: FRANK.password, newPassword: 'a brand new long secret', newPasswordRepeat: 'a brand new long secret' });
    assert.equal(ok.status, 303);
    assert.equal((await session.get('/')).status, 200, 'this session stays');
    assert.equal((await other.get('/')).status, 303, 'the other one is signed out');
    const relogin = new BrowserSession(idp.baseUrl);
    assert.equal((await signIn(relogin, FRANK.username, FRANK.password)).status, 401, 'old password no longer works');
    assert.equal((await signIn(relogin, FRANK.username, 'a brand new long secret')).status, 303);
  });

  test('a user ends one of their other sessions from the account page', async () => {
    const phone = await signedIn(ERIN);
    const laptop = await signedIn(ERIN);
    const page = (await laptop.get('/account')).body;
    const handles = [...page.matchAll(/name="session" value="([0-9a-f]{16})"/g)].map((m) => m[1]!);
    assert.equal(handles.length, 1, 'one other session, and the current one has no button');
    const ended = await laptop.postForm('/account/sessions/end', { _csrf: hiddenField(page, '_csrf')!, session: handles[0]! });
    assert.equal(ended.status, 303);
    assert.equal((await phone.get('/')).status, 303);
    assert.equal((await laptop.get('/')).status, 200);
  });
});

describe('the sesame command, for when the console is out of reach', () => {
  test('user mfa-reset (lost phone), group require-mfa, group map-directory and keys list, with clear refusals', async () => {
    assert.match(cli(['user', 'mfa-reset', DAVE.username]), /removed the second factor of dave/);
    const api = await fetch(`${idp.baseUrl}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: DAVE.username, password: DAVE.password }),
    });
    assert.equal(api.status, 200, 'no second factor any more, and no group requires one');
    assert.match(cli(['user', 'mfa-reset', DAVE.username]), /had no second factor/);

    const bad = sesameCli(idp, ['group', 'require-mfa', 'ops', 'maybe']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /not yes or no/);
    const unknown = sesameCli(idp, ['group', 'map-directory', 'nosuchgroup', 'cn=x,dc=example,dc=org']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /no group named "nosuchgroup"/);
    assert.match(cli(['group', 'map-directory', 'ops', 'cn=ops,ou=groups,dc=example,dc=org']), /mapped/);
    assert.match(cli(['group', 'require-mfa', 'ops', 'no']), /not required/);

    const keys = JSON.parse(cli(['keys', 'list', '--json'])) as Array<{ state: string }>;
    assert.deepEqual(keys.map((k) => k.state), ['current']);
    const audit = JSON.parse(cli(['audit', 'list', '--json', '--limit', '50'])) as Array<{ event: string; actor: string }>;
    for (const event of ['admin.user.mfa-reset', 'admin.group.map-directory', 'admin.group.mfa-policy']) {
      assert.ok(audit.some((e) => e.event === event && e.actor.startsWith('cli:')), `${event} audited with the CLI actor`);
    }
  });
});
