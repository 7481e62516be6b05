/**
 * The JSON API's contract (src/web/routes/apiRoutes.ts), in-process on a real SQLite store, the real
 * PasswordAuthenticator and ConsoleSso, and a SecondFactorCheck built here that requires a code
 * from one user, so the one-time-code branch is proven whatever MFA implementation is wired in.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { apiRoutes } from '../../../src/web/routes/apiRoutes';
import { ApiTokenService } from '../../../src/auth/apiTokens';
import { NonBrowserSignIn, type EnrolmentAwareSecondFactorCheck } from '../../../src/auth/nonBrowserSignIn';
import { PasswordAuthenticator } from '../../../src/auth/passwordAuthenticator';
import { LoginThrottle } from '../../../src/auth/loginThrottle';
import { hashPassword } from '../../../src/auth/passwordHash';
import { AUTHN_CONTEXT_REFEDS_MFA } from '../../../src/auth/authnContext';
import { ConsoleSso, ConsoleSsoDenied } from '../../../src/aws/consoleSso';
import { parseConfig } from '../../../src/config/config';
import { SqliteStore } from '../../../src/store/sqliteStore';
import { SqliteApiTokenStore } from '../../../src/store/sqliteApiTokenStore';
import type { UserRecord } from '../../../src/store/store';
import { makeSigningKey } from '../../saml/samlTestKit';
import { verifyWithXmlsec1 } from '../../helpers/xmlsec';

const BASE_URL = 'https://sesame.test';
const DEV = 'arn:aws:iam::111122223333:role/Developer';
const DEV_PROVIDER = 'arn:aws:iam::111122223333:saml-provider/Sesame';
const OPS = 'arn:aws:iam::444455556666:role/Ops';
const OPS_PROVIDER = 'arn:aws:iam::444455556666:saml-provider/Sesame';
const PASSWORD = 'correct horse battery staple';
const GOOD_CODE = '246810';

/** Requires a code from "mallory-mfa" (accepts GOOD_CODE, locks after 3 wrong ones); "newbie" must enrol first. */
class TestSecondFactor implements EnrolmentAwareSecondFactorCheck {
  wrong = 0;
  /** Users put under a second-factor policy during a test. */
  readonly alsoRequired = new Set<string>();
  async isRequired(user: UserRecord) {
    return user.username === 'mallory-mfa' || user.username === 'newbie' || this.alsoRequired.has(user.username);
  }
  async mustEnrol(user: UserRecord) {
    return user.username === 'newbie';
  }
  async verify(_user: UserRecord, code: string) {
    if (this.wrong >= 3) return 'locked' as const;
    if (code === GOOD_CODE) return 'ok' as const;
    this.wrong++;
    return 'invalid' as const;
  }
}

let dir: string;
let store: SqliteStore;
let server: http.Server;
let url: string;
let certPem: string;
let consoleSso: ConsoleSso;
let consoleSsoWithPolicy: ConsoleSso;
const secondFactor = new TestSecondFactor();

async function api(method: string, pathName: string, options: { body?: unknown; raw?: string; token?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(url + pathName, { method, headers, body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? (JSON.parse(text) as Record<string, any>) : {}, text };
}

async function sessionFor(username: string, extra: Record<string, string> = {}): Promise<string> {
  const response = await api('POST', '/api/v1/session', { body: { username, password: PASSWORD, ...extra } });
  assert.equal(response.status, 200, response.text);
  return response.json.token as string;
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-api-'));
  store = SqliteStore.open(dir);
  const hash = await hashPassword(PASSWORD);
  for (const username of ['alice', 'mallory-mfa', 'newbie', 'carol', 'nogrants', 'locky', 'dora']) {
    await store.createUser({ username, displayName: username, email: `${username}@example.com`, passwordHash: hash, isAdmin: false });
  }
  const devs = await store.createGroup('developers', null);
  const ops = await store.createGroup('operators', null);
  for (const username of ['alice', 'mallory-mfa', 'newbie', 'carol', 'locky', 'dora']) await store.addMember(devs.id, (await store.findUserByUsername(username))!.id);
  await store.addMember(ops.id, (await store.findUserByUsername('alice'))!.id);
  await store.addRoleGrant({ groupId: devs.id, roleArn: DEV, providerArn: DEV_PROVIDER, label: 'Dev sandbox', sessionDuration: 7200 });
  await store.addRoleGrant({ groupId: ops.id, roleArn: OPS, providerArn: OPS_PROVIDER, label: null, sessionDuration: null });

  const config = parseConfig({ SESAME_BASE_URL: BASE_URL, SESAME_TRUST_PROXY: 'loopback', SESAME_DATA_DIR: dir }, dir);
  const key = makeSigningKey('api test');
  certPem = key.certPem;
  const authenticator = await PasswordAuthenticator.create(store, new LoginThrottle(store));
  const ssoSettings = { entityId: config.entityId, signinUrl: config.aws.signinUrl, signinPartition: config.aws.signinPartition, audience: config.aws.audience, signResponse: true, assertionLifetimeSeconds: 300, overTls: true };
  consoleSso = new ConsoleSso(store, key.signer, ssoSettings, 'installation-secret');
  consoleSsoWithPolicy = new ConsoleSso(store, key.signer, ssoSettings, 'installation-secret', undefined, secondFactor);
  const app = express();
  app.set('trust proxy', 'loopback');
  app.use(
    '/api',
    apiRoutes({
      config,
      store,
      consoleSso,
      nonBrowserSignIn: new NonBrowserSignIn(authenticator, secondFactor, store),
      apiTokens: new ApiTokenService(store, new SqliteApiTokenStore(store.db), config.nonBrowser.apiTokenSeconds),
      log: () => undefined,
      secondFactor,
    }),
  );
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('JSON API: POST /api/v1/session', () => {
  it('signs in with username and password: a short-lived bearer token, no cookie, audited without the password', async () => {
    const response = await api('POST', '/api/v1/session', { body: { username: 'alice', password: PASSWORD } });
    assert.equal(response.status, 200);
    assert.match(response.json.token, /^ses_[A-Za-z0-9_-]{43}$/);
    assert.equal(response.json.tokenType, 'Bearer');
    assert.equal(response.json.secondFactor, false);
    const lifetime = Date.parse(response.json.expiresAt) - Date.now();
    assert.ok(lifetime > 9 * 60_000 && lifetime <= 10 * 60_000, `default lifetime is 10 minutes, got ${lifetime} ms`);
    assert.equal(response.headers.get('set-cookie'), null, 'the API never sets a cookie');
    assert.equal(response.headers.get('access-control-allow-origin'), null, 'no CORS');
    const audit = await store.listAudit({ limit: 1000 });
    assert.ok(audit.some((e) => e.event === 'api.session.created' && e.actor === 'alice'));
    assert.ok(audit.some((e) => e.event === 'signin.success' && e.details.channel === 'api'));
    const dump = JSON.stringify(audit);
    assert.ok(!dump.includes(PASSWORD) && !dump.includes(response.json.token), 'neither password nor token is audited');
  });

  it('answers an unknown user and a wrong password with the same 401 and the same words', async () => {
    const wrong = await api('POST', '/api/v1/session', { body: { username: 'alice', password: 'not it at all' } });
    const unknown = await api('POST', '/api/v1/session', { body: { username: 'nobody-here', password: 'not it at all' } });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.json, unknown.json);
    assert.deepEqual(wrong.json, { error: 'invalid_credentials', message: 'Incorrect username or password.', rule: null });
  });

  it('refuses malformed requests with a clear JSON error and the right status', async () => {
    const cases: Array<[Parameters<typeof api>[2], number, string]> = [
      [{ body: { username: 'alice' } }, 400, 'invalid_request'],
      [{ body: { username: 'alice', password: 42 } }, 400, 'invalid_request'],
      [{ body: [1, 2] }, 400, 'invalid_request'],
      [{ raw: '{"username":', headers: { 'content-type': 'application/json' } }, 400, 'invalid_request'],
      [{ raw: 'username=alice&password=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'unsupported_media_type'],
      [{ raw: '{"username":"alice","password":"x"}', headers: { 'content-type': 'text/plain' } }, 415, 'unsupported_media_type'],
      [{ body: { username: 'alice', password: 'x'.repeat(5000) } }, 413, 'payload_too_large'],
    ];
    for (const [options, status, code] of cases) {
      const response = await api('POST', '/api/v1/session', options);
      assert.equal(response.status, status, `${JSON.stringify(options).slice(0, 80)} → ${response.text.slice(0, 200)}`);
      assert.equal(response.json.error, code);
      assert.equal(typeof response.json.message, 'string');
    }
    const unknownPath = await api('GET', '/api/v2/whatever');
    assert.equal(unknownPath.status, 404);
    assert.equal(unknownPath.json.error, 'not_found');
  });

  it('refuses browsers on other origins: Origin, Sec-Fetch-Site and CORS preflights', async () => {
    const foreign = await api('POST', '/api/v1/session', { body: { username: 'alice', password: PASSWORD }, headers: { origin: 'https://evil.example' } });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.json.error, 'cross_origin_refused');
    assert.equal(foreign.json.token, undefined);
    const site = await api('GET', '/api/v1/aws/roles', { headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(site.status, 403);
    const preflight = await api('OPTIONS', '/api/v1/session', { headers: { origin: BASE_URL, 'access-control-request-method': 'POST' } });
    assert.equal(preflight.status, 403);
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    const sameOrigin = await api('POST', '/api/v1/session', { body: { username: 'alice', password: PASSWORD }, headers: { origin: BASE_URL } });
    assert.equal(sameOrigin.status, 200, 'our own origin is not refused');
    const refusals = await store.listAudit({ limit: 10, event: 'api.request.refused' });
    assert.ok(refusals.some((e) => e.details.origin === 'https://evil.example' && e.details.reason === 'cross-origin browser request'));
    assert.ok(refusals.some((e) => e.details.reason === 'CORS preflight'));
  });

  it('a disabled account is only revealed to someone with its password (403), like the browser form', async () => {
    const carol = (await store.findUserByUsername('carol'))!;
    await store.setUserDisabled(carol.id, true);
    const right = await api('POST', '/api/v1/session', { body: { username: 'carol', password: PASSWORD } });
    assert.equal(right.status, 403);
    assert.equal(right.json.error, 'account_disabled');
    const wrong = await api('POST', '/api/v1/session', { body: { username: 'carol', password: 'nope nope nope' } });
    assert.equal(wrong.status, 401);
    await store.setUserDisabled(carol.id, false);
  });

  it('shares the browser lockout: after 5 failures, 429 with Retry-After, even with the right password', async () => {
    for (let i = 0; i < 5; i++) await api('POST', '/api/v1/session', { body: { username: 'locky', password: `wrong ${i} wrong` } });
    const locked = await api('POST', '/api/v1/session', { body: { username: 'locky', password: PASSWORD } });
    assert.equal(locked.status, 429);
    assert.equal(locked.json.error, 'locked');
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
    assert.equal(locked.json.retryAfterSeconds, Number(locked.headers.get('retry-after')));
  });
});

describe('JSON API: the one-time code (SecondFactorCheck requires one)', () => {
  it('asks for the code only after the right password: wrong password → invalid_credentials, right one → otp_required', async () => {
    const wrong = await api('POST', '/api/v1/session', { body: { username: 'mallory-mfa', password: 'wrong wrong wrong' } });
    assert.equal(wrong.json.error, 'invalid_credentials');
    const missing = await api('POST', '/api/v1/session', { body: { username: 'mallory-mfa', password: PASSWORD } });
    assert.equal(missing.status, 401);
    assert.equal(missing.json.error, 'otp_required');
    assert.match(missing.json.message, /one-time code/);
    assert.equal(missing.json.token, undefined, 'no token without the code');
    const audit = await store.listAudit({ limit: 50, event: 'signin.failure' });
    assert.ok(audit.some((e) => e.actor === 'mallory-mfa' && e.details.reason === 'second_factor_missing'));
  });

  it('a wrong code is refused; the right one gives a token whose assertions claim MFA (REFEDS)', async () => {
    const bad = await api('POST', '/api/v1/session', { body: { username: 'mallory-mfa', password: PASSWORD, otp: '000000' } });
    assert.equal(bad.status, 401);
    assert.equal(bad.json.error, 'otp_invalid');
    const token = await sessionFor('mallory-mfa', { otp: GOOD_CODE });
    const issued = await api('POST', '/api/v1/aws/saml-response', { token, body: {} });
    assert.equal(issued.status, 200);
    const xml = Buffer.from(issued.json.samlResponse, 'base64').toString('utf8');
    assert.ok(xml.includes(`<saml:AuthnContextClassRef>${AUTHN_CONTEXT_REFEDS_MFA}</saml:AuthnContextClassRef>`));
  });

  it('too many wrong codes: 429 otp_locked', async () => {
    for (let i = 0; i < 3; i++) await api('POST', '/api/v1/session', { body: { username: 'mallory-mfa', password: PASSWORD, otp: '111111' } });
    const locked = await api('POST', '/api/v1/session', { body: { username: 'mallory-mfa', password: PASSWORD, otp: GOOD_CODE } });
    assert.equal(locked.status, 429);
    assert.equal(locked.json.error, 'otp_locked');
  });

  it('a user whose policy demands a factor they have not set up is sent to the browser (403)', async () => {
    const response = await api('POST', '/api/v1/session', { body: { username: 'newbie', password: PASSWORD, otp: GOOD_CODE } });
    assert.equal(response.status, 403);
    assert.equal(response.json.error, 'otp_enrolment_required');
    assert.match(response.json.message, /browser/);
  });
});

describe('JSON API: roles and assertions for the bearer of a token', () => {
  it('GET /api/v1/aws/roles lists account, role, label, provider and duration', async () => {
    const token = await sessionFor('alice');
    const response = await api('GET', '/api/v1/aws/roles', { token });
    assert.equal(response.status, 200);
    assert.deepEqual(response.json.roles, [
      { roleArn: DEV, providerArn: DEV_PROVIDER, partition: 'aws', accountId: '111122223333', roleName: 'Developer', label: 'Dev sandbox', sessionDuration: 7200 },
      { roleArn: OPS, providerArn: OPS_PROVIDER, partition: 'aws', accountId: '444455556666', roleName: 'Ops', label: null, sessionDuration: null },
    ]);
  });

  it('POST /api/v1/aws/saml-response returns a signed Response for the AWS sign-in audience (xmlsec1 verifies it)', async () => {
    const token = await sessionFor('alice');
    const response = await api('POST', '/api/v1/aws/saml-response', { token, body: { roleArn: DEV } });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.json.destination, 'https://signin.aws.amazon.com/saml');
    assert.deepEqual(response.json.roles, [`${DEV},${DEV_PROVIDER}`]);
    const expiresIn = Date.parse(response.json.expiresAt) - Date.now();
    assert.ok(expiresIn > 240_000 && expiresIn <= 300_000);
    const xml = Buffer.from(response.json.samlResponse, 'base64').toString('utf8');
    for (const node of ['Assertion', 'Response'] as const) {
      const verdict = await verifyWithXmlsec1(xml, certPem, { node });
      assert.ok(verdict.ok, verdict.output);
    }
    assert.ok(xml.includes('<saml:Audience>urn:amazon:webservices</saml:Audience>'));
    assert.ok(xml.includes(`<saml:AttributeValue>${DEV},${DEV_PROVIDER}</saml:AttributeValue>`));
    assert.ok(!xml.includes(OPS), 'only the requested role');
    const audit = await store.listAudit({ limit: 20 });
    assert.ok(audit.some((e) => e.event === 'api.saml_response.issued' && e.details.assertionId === response.json.assertionId));
    assert.ok(audit.some((e) => e.event === 'assertion.issued' && e.details.assertionId === response.json.assertionId));
  });

  it('a role not granted is 403 not_granted and nothing is issued; a user without grants gets 403 too', async () => {
    const token = await sessionFor('dora');
    const before = (await store.listAudit({ limit: 10_000, event: 'assertion.issued' })).length;
    const response = await api('POST', '/api/v1/aws/saml-response', { token, body: { roleArn: OPS } });
    assert.equal(response.status, 403);
    assert.equal(response.json.error, 'not_granted');
    assert.equal(response.json.samlResponse, undefined);
    const none = await api('POST', '/api/v1/aws/saml-response', { token: await sessionFor('nogrants'), body: {} });
    assert.equal(none.status, 403);
    assert.equal((await store.listAudit({ limit: 10_000, event: 'assertion.issued' })).length, before);
  });

  it('without a valid bearer token: 401 invalid_token with a Bearer challenge, audited; cookies are not a substitute', async () => {
    const cases: Array<Record<string, string>> = [{}, { authorization: 'Bearer ses_' + 'A'.repeat(43) }, { authorization: 'Basic YWxpY2U6eA==' }, { cookie: 'sesame.sid=whatever' }];
    for (const headers of cases) {
      const response = await api('GET', '/api/v1/aws/roles', { headers });
      assert.equal(response.status, 401, JSON.stringify(headers));
      assert.equal(response.json.error, 'invalid_token');
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer realm="sesame"/);
    }
    assert.ok((await store.listAudit({ limit: 10, event: 'api.token.refused' })).length >= cases.length);
  });

  it('DELETE /api/v1/session revokes the token at once', async () => {
    const token = await sessionFor('alice');
    assert.equal((await api('GET', '/api/v1/aws/roles', { token })).status, 200);
    assert.equal((await api('DELETE', '/api/v1/session', { token })).status, 204);
    assert.equal((await api('GET', '/api/v1/aws/roles', { token })).status, 401);
    assert.ok((await store.listAudit({ limit: 10, event: 'api.session.revoked' })).length >= 1);
  });

  it('finding 1: a token made without a code stops working once its user needs a second factor: 401 otp_required, audited', async () => {
    const token = await sessionFor('carol');
    assert.equal((await api('GET', '/api/v1/aws/roles', { token })).status, 200);
    secondFactor.alsoRequired.add('carol');
    try {
      for (const [method, pathName, body] of [['GET', '/api/v1/aws/roles', undefined], ['POST', '/api/v1/aws/saml-response', { roleArn: DEV }]] as const) {
        const refused = await api(method, pathName, { token, body });
        assert.equal(refused.status, 401, pathName);
        assert.equal(refused.json.error, 'otp_required');
        assert.equal(refused.json.samlResponse, undefined);
      }
      const [audit] = await store.listAudit({ limit: 1, event: 'api.token.refused' });
      assert.deepEqual([audit!.actor, audit!.details.reason], ['carol', 'second_factor_required']);
    } finally {
      secondFactor.alsoRequired.delete('carol');
    }
  });

  it('finding 1: ConsoleSso itself refuses a password-only sign-in of a user who needs a second factor (the line behind every channel)', async () => {
    const carol = (await store.findUserByUsername('carol'))!;
    const request = { user: carol, authnInstant: new Date(), sessionIndex: '_s1', roleArn: DEV, clientIp: '10.0.0.5' };
    assert.ok(await consoleSsoWithPolicy.issue({ ...request, secondFactor: false }), 'no policy yet: issued');
    secondFactor.alsoRequired.add('carol');
    try {
      await assert.rejects(consoleSsoWithPolicy.issue({ ...request, secondFactor: false }), (error: unknown) => {
        assert.ok(error instanceof ConsoleSsoDenied);
        assert.equal(error.status, 401);
        assert.equal(error.reason, 'second_factor_required');
        return true;
      });
      const [denied] = await store.listAudit({ limit: 1, event: 'sso.denied' });
      assert.equal(denied!.details.reason, 'second_factor_required');
      assert.ok(await consoleSsoWithPolicy.issue({ ...request, secondFactor: true }), 'with the second factor: issued');
    } finally {
      secondFactor.alsoRequired.delete('carol');
    }
  });

  it('disabling a user kills their live tokens on the next call', async () => {
    const token = await sessionFor('dora');
    const dora = (await store.findUserByUsername('dora'))!;
    await store.setUserDisabled(dora.id, true);
    assert.equal((await api('GET', '/api/v1/aws/roles', { token })).status, 401);
    await store.setUserDisabled(dora.id, false);
    assert.equal((await api('GET', '/api/v1/aws/roles', { token })).status, 200);
  });
});

describe('ApiTokenService', () => {
  it('stores only a hash, and a token is dead after its lifetime', async () => {
    let now = Date.now();
    const tokens = new ApiTokenService(store, new SqliteApiTokenStore(store.db), 60, () => now);
    const alice = (await store.findUserByUsername('alice'))!;
    const issued = await tokens.issue(alice, { secondFactor: false, clientIp: '127.0.0.1' });
    const row = store.db.prepare('SELECT * FROM api_tokens WHERE token_hash = ?').get(issued.record.tokenHash) as Record<string, unknown>;
    assert.ok(row, 'stored under its hash');
    assert.ok(!JSON.stringify(store.db.prepare('SELECT * FROM api_tokens').all()).includes(issued.token), 'the token itself is not stored');
    assert.equal((await tokens.resolve(issued.token))?.user.username, 'alice');
    now += 61_000;
    assert.equal(await tokens.resolve(issued.token), null);
    assert.equal(await tokens.resolve('ses_short'), null);
  });
});
