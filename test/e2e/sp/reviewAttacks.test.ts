/**
 * Attacks from the security review of the SP-facing SAML code (issue 4 hardening), each against a
 * real Sesame: parser CPU exhaustion, terminal injection through the audit log, an SP given AWS's
 * identity, the AWS console's groups ignored, shared e-mail NameIDs, a transient SP asking for a
 * persistent NameID, Single Logout answered to someone other than the user's browser, a login
 * transaction finished in a victim's browser, silent IdP-initiated launches, and request text
 * echoed into signed error Responses. Each shows the honest path still works where there is one.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { BrowserSession, hiddenField, signIn } from '../../helpers/browserSession';
import { generateTestKeyPair, type TestKeyPair } from '../../helpers/fixtureResponse';
import { sesameCli, startSesame, type SesameInstance, sesameCliOk } from '../../helpers/sesameProcess';
import { authnRequest, postBody, redirectQuery, SAML, SAMLP, spMetadata, type AuthnRequestOptions } from './craftedRequests';
import { samlForm } from './samlBrowser';

const PASSWORD = 'correct horse battery staple';
const SP_A = 'https://a.review.test/sp';
const SP_B = 'https://b.review.test/sp';
const SP_C = 'https://c.review.test/sp';
const SP_MAIL = 'https://mail.review.test/sp';
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

let idp: SesameInstance;
let spKey: TestKeyPair;

const cli = (args: string[], stdin?: string) => sesameCliOk(idp, args, stdin);

const sso = () => `${idp.baseUrl}/saml/sso`;
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
const request = (issuer: string, opts: Partial<AuthnRequestOptions> = {}) => authnRequest({ issuer, destination: sso(), ...opts });
const xmlOf = (form: { fields: Record<string, string> }) => Buffer.from(form.fields.SAMLResponse ?? form.fields.SAMLRequest!, 'base64').toString();

function writeMetadata(name: string, xml: string): string {
  const file = path.join(idp.dir, name);
  fs.writeFileSync(file, xml);
  return file;
}

async function signedIn(username: string): Promise<BrowserSession> {
  const browser = new BrowserSession(idp.baseUrl);
  assert.equal((await signIn(browser, username, PASSWORD)).status, 303);
  return browser;
}

/** An SP-initiated Redirect sign-in in `browser`, followed to the SAML form Sesame answers with. */
async function ssoAt(browser: BrowserSession, issuer: string, opts: Partial<AuthnRequestOptions> = {}) {
  const first = await browser.get(`/saml/sso?${redirectQuery(request(issuer, opts).xml)}`);
  assert.equal(first.status, 303, text(first.body).slice(0, 300));
  const page = await browser.get(first.headers.get('location')!);
  const form = samlForm(page);
  assert.ok(form, `a SAML form: ${text(page.body).slice(0, 300)}`);
  return { form, xml: xmlOf(form) };
}

const nameIdOf = (xml: string) => /<saml:NameID Format="([^"]*)"[^>]*>([^<]*)<\/saml:NameID>/.exec(xml)!;
const sessionIndexOf = (xml: string) => /SessionIndex="([^"]*)"/.exec(xml)![1]!;
const statusOf = (xml: string) => [...xml.matchAll(/<samlp:StatusCode Value="([^"]*)"/g)].map((m) => m[1]!.split(':').pop());
const statusMessageOf = (xml: string) => /<samlp:StatusMessage>([^<]*)<\/samlp:StatusMessage>/.exec(xml)?.[1] ?? null;

function logoutRequest(issuer: string, nameId: { value: string; format: string }, sessionIndex?: string): string {
  return (
    `<samlp:LogoutRequest xmlns:samlp="${SAMLP}" xmlns:saml="${SAML}" ID="_lr${Math.random().toString(16).slice(2)}" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${idp.baseUrl}/saml/slo">` +
    `<saml:Issuer>${issuer}</saml:Issuer><saml:NameID Format="${nameId.format}">${nameId.value}</saml:NameID>` +
    (sessionIndex ? `<samlp:SessionIndex>${sessionIndex}</samlp:SessionIndex>` : '') +
    `</samlp:LogoutRequest>`
  );
}

/** Nesting that costs xmldom time growing with depth × namespaces in scope (1.1 s for 131 KB before the pre-parse scan). */
const namespaceBomb = (levels: number) => Array.from({ length: levels }, (_, i) => `<e xmlns:p${i}="u">`).join('') + '</e>'.repeat(levels);

before(async () => {
  idp = await startSesame({ SESAME_WORKERS: '1' });
  spKey = generateTestKeyPair('review-sp');
  cli(['user', 'add', 'alice', '--email', 'shared@example.com', '--password-stdin'], PASSWORD);
  cli(['user', 'add', 'mallory', '--email', 'Shared@Example.com', '--password-stdin'], PASSWORD);
  cli(['user', 'add', 'carol', '--email', 'carol@example.com', '--password-stdin'], PASSWORD);
  cli(['group', 'add', 'devs']);
  cli(['group', 'add-member', 'devs', 'alice']);
  cli(['grant', 'add', '--group', 'devs', '--role-arn', 'arn:aws:iam::111122223333:role/Admin', '--provider-arn', 'arn:aws:iam::111122223333:saml-provider/Sesame']);
  for (const [entityId, extra] of [
    [SP_A, []],
    [SP_B, ['--nameid', 'transient']],
    [SP_C, []],
    [SP_MAIL, ['--nameid', 'email']],
  ] as const) {
    const host = new URL(entityId).origin;
    const file = writeMetadata(`${new URL(entityId).hostname}.xml`, spMetadata({ entityId, acs: [`${host}/acs`, `${host}/acs2`], slo: `${host}/slo`, signingCert: spKey.certBase64 }));
    cli(['sp', 'add', '--metadata', file, ...extra]);
  }
});

after(async () => {
  await idp?.stop();
});

describe('finding 1: parser CPU exhaustion is refused from the text, before xmldom parses (rule intake.depth)', () => {
  test('/saml/sso (POST, DEFLATEd as node-saml sends it) and /saml/slo: a 32 KB namespace-nesting bomb gets 400 intake.depth; the reviewer\'s 131 KB one stops at the 32 KB inflate cap', async () => {
    const bomb = namespaceBomb(1300);
    assert.ok(bomb.length < 32 * 1024);
    const post = (pathName: string, xml: string, deflate: boolean) =>
      fetch(`${idp.baseUrl}${pathName}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        body: `SAMLRequest=${encodeURIComponent((deflate ? deflateRawSync(Buffer.from(xml)) : Buffer.from(xml)).toString('base64'))}`,
      }).then(async (r) => ({ status: r.status, body: await r.text() }));
    for (const [pathName, deflate] of [['/saml/sso', true], ['/saml/sso', false], ['/saml/slo', false]] as const) {
      const page = await post(pathName, bomb, deflate);
      assert.equal(page.status, 400, `${pathName}: ${text(page.body).slice(0, 200)}`);
      assert.match(page.body, /<code>intake\.depth<\/code>/, pathName);
    }
    const original = await post('/saml/sso', namespaceBomb(5743), true);
    assert.equal(original.status, 413);
    assert.match(original.body, /<code>intake\.inflate<\/code>/);
  });

  test('/saml/ecp: the same bomb in a SOAP envelope is a SOAP fault quoting intake.depth, before credentials are even read', async () => {
    const envelope = `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>${namespaceBomb(1300)}</S:Body></S:Envelope>`;
    const response = await fetch(`${idp.baseUrl}/saml/ecp`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: envelope });
    const body = await response.text();
    assert.equal(response.status, 500);
    assert.match(body, /<faultcode>S:Client<\/faultcode><faultstring>intake\.depth: /);
  });
});

describe('finding 7: character references to control characters cannot reach the audit log or a terminal', () => {
  test('an Issuer with &#10; and &#27; escape sequences is refused (intake.chars), and `sesame audit list` shows no ESC', async () => {
    const forged = request('x', { issuerText: 'x&#10;2099-01-01T00:00:00.000Z  admin.sp.add  cli:root  FORGED-LINE&#27;[2K&#27;[1A' });
    const page = await new BrowserSession(idp.baseUrl).get(`/saml/sso?${redirectQuery(forged.xml)}`);
    assert.equal(page.status, 400);
    assert.match(page.body, /<code>intake\.chars<\/code>/);
    const listing = cli(['audit', 'list', '--limit', '50']);
    assert.ok(!listing.includes('\u001b'), 'no ESC reaches the terminal');
    assert.ok(!/\nFORGED-LINE|^2099-01-01/m.test(listing), 'no forged line');
  });
});

describe('finding 11: signed error Responses carry fixed StatusMessages; &#0; is a 400, not a 500', () => {
  test('a ProtocolBinding with a phishing text gets UnsupportedBinding with Sesame\'s own words; one with &#0; is refused at intake', async () => {
    const browser = new BrowserSession(idp.baseUrl);
    const phishing = request(SP_A).xml.replace('Version="2.0"', 'Version="2.0" ProtocolBinding="Your account is locked. Call +1-555-0100 to restore access"');
    const answered = await browser.postCrossSite(sso(), postBody(phishing, 'rs'));
    const form = samlForm(answered);
    assert.ok(form, text(answered.body).slice(0, 300));
    const xml = xmlOf(form);
    assert.deepEqual(statusOf(xml), ['Requester', 'UnsupportedBinding']);
    assert.equal(statusMessageOf(xml), 'Responses are only delivered with the HTTP-POST binding.');
    assert.ok(!xml.includes('555-0100'));
    const nul = request(SP_A).xml.replace('Version="2.0"', 'Version="2.0" ProtocolBinding="x&#0;y"');
    const refused = await browser.postCrossSite(sso(), postBody(nul));
    assert.equal(refused.status, 400);
    assert.match(refused.body, /<code>intake\.chars<\/code>/);
  });
});

describe('finding 3: a registered SP can never be given AWS\'s identity or another SP\'s', () => {
  test('`sp add` refuses the AWS audience, an AWS sign-in URL as entityID or ACS, the aws:* mappers, another SP\'s entityID as audience, and a plain-http ACS off loopback', () => {
    const wiki = writeMetadata('wiki.xml', spMetadata({ entityId: 'https://wiki.example.net/sp', acs: ['https://wiki.example.net/acs'] }));
    const refusals: Array<[string[], RegExp]> = [
      [['--metadata', wiki, '--audience', 'urn:amazon:webservices'], /audience AWS accepts/],
      [['--metadata', wiki, '--release', 'uid,aws:role,aws:roleSessionName'], /AWS console entries only/],
      [['--metadata', wiki, '--audience', SP_A], /already the entityID or audience/],
      [['--metadata', writeMetadata('aws-id.xml', spMetadata({ entityId: 'https://signin.aws.amazon.com/saml', acs: ['https://attacker.example.org/acs'] }))], /AWS accepts as its own audience/],
      [['--metadata', writeMetadata('aws-acs.xml', spMetadata({ entityId: 'https://x.example.org/sp', acs: ['https://signin.aws.amazon.com/saml'] }))], /AWS sign-in endpoint/],
      [['--metadata', writeMetadata('http.xml', spMetadata({ entityId: 'https://plain.example.org/sp', acs: ['http://plain.example.org/acs'] }))], /plain http/],
    ];
    for (const [args, message] of refusals) {
      const result = sesameCli(idp, ['sp', 'add', ...args]);
      assert.notEqual(result.status, 0, args.join(' '));
      assert.match(result.stderr, message, args.join(' '));
    }
    assert.ok(!cli(['sp', 'list']).includes('wiki.example.net'));
    cli(['sp', 'add', '--metadata', writeMetadata('http.xml', spMetadata({ entityId: 'https://plain.example.org/sp', acs: ['http://plain.example.org/acs'] })), '--allow-http-acs', 'yes']);
  });

  test('persistent NameIDs follow the entityID, not the audience setting: changing an SP\'s audience does not change (or borrow) its users\' NameIDs', async () => {
    const browser = await signedIn('carol');
    const before = nameIdOf((await ssoAt(browser, SP_C)).xml)[2];
    cli(['sp', 'set', SP_C, '--audience', 'https://c.review.test/audience']);
    const { xml } = await ssoAt(browser, SP_C);
    assert.match(xml, /<saml:Audience>https:\/\/c\.review\.test\/audience<\/saml:Audience>/);
    assert.equal(nameIdOf(xml)[2], before);
    cli(['sp', 'set', SP_C, '--audience', '']);
  });
});

describe('finding 4: the AWS console entry\'s groups are enforced on /aws/sso; settings it does not use are refused', () => {
  test('groups limit who gets an AWS assertion (403 + sso.denied); audience, nameid, lifetime and encrypt cannot be set on it', async () => {
    cli(['group', 'add', 'aws-users']);
    cli(['sp', 'set', 'urn:amazon:webservices', '--groups', 'aws-users']);
    const browser = await signedIn('alice');
    const denied = await browser.get('/aws/sso');
    assert.equal(denied.status, 403, text(denied.body).slice(0, 300));
    assert.match(denied.body, /not in a group allowed to use AWS console/);
    assert.ok(!denied.body.includes('SAMLResponse'));
    const audit = JSON.parse(cli(['audit', 'list', '--event', 'sso.denied', '--json'])) as Array<{ actor: string; details: { sp: string } }>;
    assert.equal(audit[0]!.actor, 'alice');
    assert.equal(audit[0]!.details.sp, 'urn:amazon:webservices');
    cli(['group', 'add-member', 'aws-users', 'alice']);
    assert.ok(samlForm(await browser.get('/aws/sso')), 'a member gets the assertion');
    cli(['sp', 'set', 'urn:amazon:webservices', '--groups', '']);
    for (const [name, value] of [['--audience', 'urn:example'], ['--nameid', 'email'], ['--lifetime', '900'], ['--encrypt', 'yes']]) {
      const result = sesameCli(idp, ['sp', 'set', 'urn:amazon:webservices', name!, value!]);
      assert.notEqual(result.status, 0, name);
      assert.match(result.stderr, /not used for "urn:amazon:webservices"/, name);
    }
  });
});

describe('findings 5 and 9: NameIDs name one user, and only the format the admin chose', () => {
  test('an e-mail NameID shared by two active users is refused (RequestDenied, audited); a unique address is issued', async () => {
    const alice = await signedIn('alice');
    const { xml } = await ssoAt(alice, SP_MAIL);
    assert.deepEqual(statusOf(xml), ['Responder', 'RequestDenied']);
    assert.ok(!xml.includes('shared@example.com') && !xml.includes('<saml:Assertion'));
    const errors = JSON.parse(cli(['audit', 'list', '--event', 'saml.response.error', '--json'])) as Array<{ actor: string; details: { rule: string } }>;
    assert.equal(errors[0]!.actor, 'alice');
    assert.equal(errors[0]!.details.rule, 'sp.nameid-email-shared');
    const carol = await signedIn('carol');
    const issued = nameIdOf((await ssoAt(carol, SP_MAIL)).xml);
    assert.deepEqual([issued[1], issued[2]], [EMAIL, 'carol@example.com']);
  });

  test('an SP configured for transient NameIDs that asks for persistent gets InvalidNameIDPolicy, every time', async () => {
    const alice = await signedIn('alice');
    assert.equal(nameIdOf((await ssoAt(alice, SP_B)).xml)[1], 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient');
    for (let i = 0; i < 2; i++) {
      const first = await alice.get(`/saml/sso?${redirectQuery(request(SP_B, { nameIdFormat: PERSISTENT }).xml)}`);
      const form = samlForm(first);
      assert.ok(form, 'answered at once with an error Response');
      assert.deepEqual(statusOf(xmlOf(form)), ['Requester', 'InvalidNameIDPolicy']);
      assert.equal(statusMessageOf(xmlOf(form)), 'The requested NameID format is not released to this service provider.');
    }
  });
});

describe('finding 6: Single Logout never hands one SP\'s identifiers to whoever sent the request', () => {
  test('each SP gets its own SessionIndex for the same Sesame session', async () => {
    const alice = await signedIn('alice');
    const a = sessionIndexOf((await ssoAt(alice, SP_A)).xml);
    const c = sessionIndexOf((await ssoAt(alice, SP_C)).xml);
    assert.notEqual(a, c);
  });

  test('a signed LogoutRequest from A sent without the user\'s browser: sessions end, A gets PartialLogout, nothing about C is revealed, the audit names the user', async () => {
    const alice = await signedIn('alice');
    const atA = (await ssoAt(alice, SP_A)).xml;
    const atC = (await ssoAt(alice, SP_C)).xml;
    const [, format, value] = nameIdOf(atA);
    const response = await fetch(`${idp.baseUrl}/saml/slo?${redirectQuery(logoutRequest(SP_A, { value: value!, format: format! }), { key: spKey })}`, { redirect: 'manual' });
    assert.equal(response.status, 303);
    const location = new URL(response.headers.get('location')!);
    assert.equal(`${location.origin}${location.pathname}`, 'https://a.review.test/slo', 'the answer goes to A, not on to C');
    const answer = inflateRawSync(Buffer.from(location.searchParams.get('SAMLResponse')!, 'base64')).toString();
    assert.match(answer, /<samlp:LogoutResponse /);
    assert.deepEqual(statusOf(answer), ['Success', 'PartialLogout']);
    const cNameId = nameIdOf(atC)[2]!;
    for (const secret of [SP_C, cNameId, sessionIndexOf(atC), 'c.review.test']) assert.ok(!answer.includes(secret) && !location.href.includes(secret), `not revealed: ${secret}`);
    assert.equal((await alice.get('/')).status, 303, 'alice\'s Sesame session is over');
    const audit = JSON.parse(cli(['audit', 'list', '--event', 'slo.request', '--json'])) as Array<{ details: { usernames: string[]; fromBrowser: boolean; notTold: string[] } }>;
    assert.deepEqual(audit[0]!.details.usernames, ['alice']);
    assert.equal(audit[0]!.details.fromBrowser, false);
    assert.deepEqual(audit[0]!.details.notTold, [SP_C]);
  });

  test('the same request through the user\'s own browser is propagated to C (front channel) with C\'s own NameID and SessionIndex', async () => {
    const alice = await signedIn('alice');
    const [, format, value] = nameIdOf((await ssoAt(alice, SP_A)).xml);
    const atC = (await ssoAt(alice, SP_C)).xml;
    const page = await alice.get(`/saml/slo?${redirectQuery(logoutRequest(SP_A, { value: value!, format: format! }), { key: spKey })}`);
    const location = new URL(page.headers.get('location')!);
    assert.equal(`${location.origin}${location.pathname}`, 'https://c.review.test/slo');
    const toC = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest')!, 'base64')).toString();
    assert.ok(toC.includes(`>${nameIdOf(atC)[2]}</saml:NameID>`));
    assert.ok(toC.includes(`<samlp:SessionIndex>${sessionIndexOf(atC)}</samlp:SessionIndex>`));
  });

  test('a non-persistent NameID must come with a SessionIndex, and matches only the session that SP was given', async () => {
    const carol = await signedIn('carol');
    const atMail = (await ssoAt(carol, SP_MAIL)).xml;
    const atC = (await ssoAt(carol, SP_C)).xml;
    const byEmail = (sessionIndex?: string) =>
      fetch(`${idp.baseUrl}/saml/slo?${redirectQuery(logoutRequest(SP_MAIL, { value: 'carol@example.com', format: EMAIL }, sessionIndex), { key: spKey })}`, { redirect: 'manual' });
    const missing = await byEmail();
    assert.equal(missing.status, 400);
    assert.match(await missing.text(), /<code>request\.session-index<\/code>/);
    await byEmail(sessionIndexOf(atC)); // C's index, sent by another SP: matches nothing
    assert.equal((await carol.get('/')).status, 200, 'carol is still signed in');
    await byEmail(sessionIndexOf(atMail));
    assert.equal((await carol.get('/')).status, 303, 'the right SessionIndex ends the session');
  });
});

describe('finding 8: re-authentication (ForceAuthn) continues the IdP session, so Single Logout still reaches earlier SPs', () => {
  test('sign in at A, re-authenticate for B, then A\'s LogoutRequest ends the re-authenticated session and is propagated to B', async () => {
    const alice = await signedIn('alice');
    const [, format, value] = nameIdOf((await ssoAt(alice, SP_A)).xml);
    // ForceAuthn: the login page asks again (reauth=1) and the same user signs in again.
    const form = await alice.get('/login?reauth=1&next=%2F');
    const csrf = hiddenField(form.body, '_csrf');
    assert.ok(csrf, 'the re-authentication form');
    assert.equal((await alice.postForm('/login', { _csrf: csrf!, username: 'alice', password: PASSWORD, next: '/' })).status, 303);
    const atC = (await ssoAt(alice, SP_C)).xml;
    const page = await alice.get(`/saml/slo?${redirectQuery(logoutRequest(SP_A, { value: value!, format: format! }), { key: spKey })}`);
    const location = new URL(page.headers.get('location')!);
    assert.equal(`${location.origin}${location.pathname}`, 'https://c.review.test/slo', 'C, signed in after the re-authentication, is told');
    const toC = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest')!, 'base64')).toString();
    assert.ok(toC.includes(`<samlp:SessionIndex>${sessionIndexOf(atC)}</samlp:SessionIndex>`));
    assert.equal((await alice.get('/')).status, 303, 'the re-authenticated session is over');
  });
});

describe('finding 10: a login transaction is bound to the browser that started it; launches need a confirmed POST', () => {
  test('a transaction an attacker started and a victim opens shows "Continue to …?" and issues nothing until the victim confirms', async () => {
    const attackerRequest = request(SP_A, { acsUrl: 'https://a.review.test/acs' });
    const started = await fetch(sso(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: postBody(attackerRequest.xml, 'https://evil.example/steal'), redirect: 'manual' });
    assert.equal(started.status, 303);
    const txCookie = started.headers.getSetCookie().find((c) => /^sesame\.sso\.[A-Za-z0-9_-]{32}=[A-Za-z0-9_-]{43};/.test(c));
    assert.ok(txCookie, `a transaction cookie: ${started.headers.getSetCookie().join(' | ')}`);
    for (const attribute of [/; Path=\/saml\/sso\/resume(;|$)/, /; HttpOnly(;|$)/, /; SameSite=Lax(;|$)/i, /; Max-Age=600(;|$)/]) assert.match(txCookie, attribute);
    const victim = await signedIn('carol');
    const page = await victim.get(started.headers.get('location')!);
    assert.equal(page.status, 200);
    assert.match(page.body, /Continue to https:\/\/a\.review\.test\/sp\?/);
    assert.equal(samlForm(page), null, 'nothing issued');
    assert.ok(!page.body.includes('SAMLResponse'));
    const forged = await victim.postForm('/saml/sso/resume', { tx: hiddenField(page.body, 'tx')!, _csrf: 'not-the-token' });
    assert.equal(forged.status, 403, 'the confirmation needs the session\'s CSRF token');
    const confirmed = await victim.postForm('/saml/sso/resume', { tx: hiddenField(page.body, 'tx')!, _csrf: hiddenField(page.body, '_csrf')! });
    const form = samlForm(confirmed);
    assert.ok(form, 'the victim chose to continue');
    assert.match(xmlOf(form), new RegExp(`InResponseTo="${attackerRequest.id}"`));
  });

  test('the browser that started it (holding the cookie) resumes without a question, and the cookie is cleared', async () => {
    const alice = await signedIn('alice');
    const started = await alice.postCrossSite(sso(), postBody(request(SP_A).xml));
    const page = await alice.get(started.headers.get('location')!);
    assert.ok(samlForm(page));
    const cleared = page.headers.getSetCookie().find((c) => /^sesame\.sso\.[A-Za-z0-9_-]{32}=;/.test(c));
    assert.ok(cleared && /Expires=Thu, 01 Jan 1970/.test(cleared) && /Path=\/saml\/sso\/resume/.test(cleared), `cleared: ${page.headers.getSetCookie().join(' | ')}`);
  });

  test('resume chooses the ACS again: one removed from the metadata after the request arrived is refused', async () => {
    const alice = await signedIn('alice');
    const started = await alice.get(`/saml/sso?${redirectQuery(request(SP_C, { acsUrl: 'https://c.review.test/acs2' }).xml)}`);
    cli(['sp', 'update', '--metadata', writeMetadata('c-new.xml', spMetadata({ entityId: SP_C, acs: ['https://c.review.test/acs'], slo: 'https://c.review.test/slo', signingCert: spKey.certBase64 }))]);
    const page = await alice.get(started.headers.get('location')!);
    assert.equal(page.status, 403);
    assert.match(page.body, /<code>request\.acs<\/code>/);
  });

  test('/saml/launch/<id>: a GET (a link from anywhere) only asks; a POST without the CSRF token is refused; the portal button issues', async () => {
    const alice = await signedIn('alice');
    const apps = await alice.get('/saml/apps');
    const action = /<form method="post" action="(\/saml\/launch\/\d+)"/.exec(apps.body)![1]!;
    const asked = await alice.get(action);
    assert.equal(asked.status, 200);
    assert.match(asked.body, /Continue to /);
    assert.equal(samlForm(asked), null);
    assert.equal((await alice.postForm(action, { _csrf: 'forged' })).status, 403);
    assert.ok(samlForm(await alice.postForm(action, { _csrf: hiddenField(apps.body, '_csrf')! })));
  });
});
