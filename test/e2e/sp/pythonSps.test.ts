/**
 * User story (issue 4): an admin registers a SAML application from its own metadata with
 * `sesame sp add --metadata FILE`; employees sign in to it from the application (SP-initiated,
 * HTTP-Redirect and HTTP-POST, signed and unsigned requests, encrypted and plain assertions),
 * and sign out of everything at once (Single Logout, both directions, propagated across SPs).
 * The SPs are OneLogin python-saml (strict) and pysaml2, which build every request and judge every
 * answer themselves.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BrowserSession, hiddenField, signIn } from '../../helpers/browserSession';
import { startSesame, type SesameInstance, sesameCliOk } from '../../helpers/sesameProcess';
import { PythonSp } from '../../peers/pythonSpFlow';
import { deliver, followToSp, type SamlForm } from './samlBrowser';

const ALICE = { username: 'alice', password: 'correct horse battery staple' };
const UID = 'urn:oid:0.9.2342.19200300100.1.1';
const MAIL = 'urn:oid:0.9.2342.19200300100.1.3';
const DISPLAY_NAME = 'urn:oid:2.16.840.1.113730.3.1.241';
const IS_MEMBER_OF = 'urn:oid:1.3.6.1.4.1.5923.1.5.1.1';

let idp: SesameInstance;
let idpMetadata: string;

const cli = (args: string[], stdin?: string) => sesameCliOk(idp, args, stdin);

before(async () => {
  idp = await startSesame({ SESAME_WORKERS: '1' });
  cli(['user', 'add', 'alice', '--email', 'alice@example.com', '--display-name', 'Alice Liddell', '--password-stdin'], ALICE.password);
  cli(['group', 'add', 'staff']);
  cli(['group', 'add-member', 'staff', 'alice']);
  idpMetadata = await (await fetch(`${idp.baseUrl}/saml/metadata`)).text();
});

after(async () => {
  await idp?.stop();
});

/** Hands the SAMLResponse form Sesame produced to the SP's ACS. */
async function consume(sp: PythonSp, form: SamlForm | null) {
  assert.ok(form, 'Sesame answered with an auto-submitting SAML form');
  assert.equal(form.action, sp.acsUrl, 'the response goes to the SP\'s registered ACS');
  const file = sp.writeFile('response.b64', form.fields.SAMLResponse!);
  return { result: await sp.run('acs', ['--response-file', file]), form };
}

for (const script of ['onelogin_sp_flow.py', 'pysaml2_sp_flow.py'] as const) {
  const name = script.startsWith('onelogin') ? 'python-saml' : 'pysaml2';
  describe(`${name} as a service provider`, () => {
    let sp: PythonSp;
    let browser: BrowserSession;
    const entityId = `https://${name}.sp.test/metadata`;

    before(async () => {
      // python-saml only publishes an encryption key when it wants encrypted assertions.
      sp = new PythonSp({ script, idpMetadataXml: idpMetadata, spEntityId: entityId, spBaseUrl: `https://${name}.sp.test`, wantAssertionsEncrypted: true });
      const file = sp.writeFile('sp-metadata.xml', await sp.metadata());
      const added = cli(['sp', 'add', '--metadata', file, '--name', `${name} test app`, '--release', 'uid,mail,displayName,groups']);
      assert.match(added, /registered/);
      browser = new BrowserSession(idp.baseUrl);
    });
    after(() => sp?.cleanup());

    test(`registry: ${name}'s own metadata gives its ACS, SLO endpoint, signing and encryption certificates; encryption is on`, () => {
      const shown = JSON.parse(cli(['sp', 'show', entityId, '--json'])) as Record<string, unknown>;
      assert.deepEqual((shown.acs as string[]).map((a) => a.split(' ').pop()), [sp.acsUrl]);
      assert.ok((shown.slo as string[]).some((s) => s.endsWith(sp.slsUrl)), `SLO endpoints: ${JSON.stringify(shown.slo)}`);
      assert.ok((shown.signingKeys as number) >= 1);
      assert.ok((shown.encryptionKeys as number) >= 1);
      assert.equal(shown.encrypt, true, 'an SP whose metadata has an encryption key gets encrypted assertions');
      assert.deepEqual(shown.release, ['uid', 'mail', 'displayName', 'groups']);
    });

    test('SP-initiated SSO over HTTP-Redirect (unsigned request): sign-in, then an encrypted, signed assertion the SP accepts with InResponseTo; RelayState comes back unchanged', async () => {
      const relay = 'https://app.example/after?x=1&y=two words';
      const login = await sp.run('login', ['--binding', 'redirect', '--relay-state', relay]);
      const flow = await followToSp(browser, await deliver(browser, login.json), ALICE);
      assert.equal(flow.loginsShown, 1, 'the anonymous browser was sent to the login page once');
      const { result, form } = await consume(sp, flow.form);
      assert.equal(result.json.valid, true, String(result.json.error));
      assert.equal(result.json.encrypted, true, 'the assertion was encrypted to the SP');
      assert.equal(result.json.inResponseTo, login.json.requestId);
      assert.equal(form.fields.RelayState, relay);
      const attributes = result.json.attributes as Record<string, string[]>;
      assert.deepEqual(attributes[UID], ['alice']);
      assert.deepEqual(attributes[MAIL], ['alice@example.com']);
      assert.deepEqual(attributes[DISPLAY_NAME], ['Alice Liddell']);
      assert.deepEqual(attributes[IS_MEMBER_OF], ['staff']);
      assert.equal(result.json.nameIdFormat, 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
    });

    test('HTTP-POST binding, signed request arriving as a cross-site POST without cookies; plain assertion after `sp set --encrypt no`; no second sign-in', async () => {
      cli(['sp', 'set', entityId, '--encrypt', 'no']);
      sp.writeConfig({ signRequests: true, wantAssertionsEncrypted: false });
      const login = await sp.run('login', ['--binding', 'post']);
      assert.ok(login.json.fields, 'the SP built an HTTP-POST form');
      const first = await deliver(browser, login.json);
      assert.equal(first.status, 303, 'the cross-site POST only starts a transaction');
      assert.match(first.headers.get('location') ?? '', /^\/saml\/sso\/resume\?tx=[A-Za-z0-9_-]{32}$/);
      const flow = await followToSp(browser, first);
      assert.equal(flow.loginsShown, 0, 'the existing session was used');
      // The SP's verdict means something: the same response with one attribute changed is rejected.
      const xml = Buffer.from(flow.form!.fields.SAMLResponse!, 'base64').toString();
      assert.ok(xml.includes('alice@example.com'));
      const forged = { ...flow.form!, fields: { ...flow.form!.fields, SAMLResponse: Buffer.from(xml.replace('alice@example.com', 'mallory@example.com')).toString('base64') } };
      assert.equal((await consume(sp, forged)).result.json.valid, false, 'a tampered response is rejected');
      const { result } = await consume(sp, flow.form);
      assert.equal(result.json.valid, true, String(result.json.error));
      assert.equal(result.json.encrypted, false);
      assert.equal(result.json.inResponseTo, login.json.requestId);
    });

    test('request signatures required (`sp set --require-signed-requests yes`): unsigned gets an error page and nothing is issued; signed Redirect passes', async () => {
      cli(['sp', 'set', entityId, '--require-signed-requests', 'yes']);
      sp.writeConfig({ signRequests: false, wantAssertionsEncrypted: false });
      const unsigned = await sp.run('login', ['--binding', 'redirect']);
      const refused = await deliver(browser, unsigned.json);
      assert.equal(refused.status, 403);
      assert.match(refused.body, /signature\.missing/);
      assert.ok(!refused.body.includes('SAMLResponse'));
      sp.writeConfig({ signRequests: true, wantAssertionsEncrypted: false });
      const signed = await sp.run('login', ['--binding', 'redirect']);
      const flow = await followToSp(browser, await deliver(browser, signed.json));
      const { result } = await consume(sp, flow.form);
      assert.equal(result.json.valid, true, String(result.json.error));
      cli(['sp', 'set', entityId, '--require-signed-requests', 'no']);
    });

    test('ForceAuthn: a signed-in user is asked to sign in again before an assertion is issued', async () => {
      const login = await sp.run('login', ['--binding', 'redirect', '--force-authn']);
      const flow = await followToSp(browser, await deliver(browser, login.json), ALICE);
      assert.equal(flow.loginsShown, 1, 'the login form was shown again despite the session');
      const { result } = await consume(sp, flow.form);
      assert.equal(result.json.valid, true, String(result.json.error));
    });

    test('IsPassive without a Sesame session: the SP gets a signed NoPassive error at its ACS, no assertion', async () => {
      const stranger = new BrowserSession(idp.baseUrl);
      const login = await sp.run('login', ['--binding', 'redirect', '--passive']);
      const flow = await followToSp(stranger, await deliver(stranger, login.json));
      assert.equal(flow.loginsShown, 0);
      const xml = Buffer.from(flow.form!.fields.SAMLResponse!, 'base64').toString();
      assert.match(xml, /status:NoPassive/);
      assert.ok(!xml.includes('Assertion'));
      const { result } = await consume(sp, flow.form);
      assert.equal(result.json.valid, false);
      assert.match(String(result.json.error), /NoPassive|Responder/i);
    });

    test('SP-initiated Single Logout (HTTP-Redirect, signed): the Sesame session ends and the SP accepts the signed LogoutResponse', async () => {
      const logout = await sp.run('logout', ['--binding', 'redirect']);
      const answer = await deliver(browser, logout.json);
      assert.equal(answer.status, 303);
      const location = new URL(answer.headers.get('location')!);
      assert.equal(`${location.origin}${location.pathname}`, sp.slsUrl, 'the LogoutResponse goes to the SP\'s registered SLO endpoint');
      const verdict = await sp.run('sls', ['--query', location.search.slice(1)]);
      assert.equal(verdict.json.valid, true, String(verdict.json.error));
      assert.equal(verdict.json.kind, 'response');
      const portal = await browser.get('/');
      assert.equal(portal.status, 303, 'the Sesame session is over');
    });

    test('IdP-initiated Single Logout: signing out at Sesame sends the SP a signed LogoutRequest it accepts, and its signed answer completes the logout', async () => {
      const login = await sp.run('login', ['--binding', 'redirect']);
      const flow = await followToSp(browser, await deliver(browser, login.json), ALICE);
      assert.equal((await consume(sp, flow.form)).result.json.valid, true);
      const portal = await browser.get('/');
      const signOut = await browser.postForm('/logout', { _csrf: hiddenField(portal.body, '_csrf')! });
      assert.equal(signOut.status, 303);
      assert.match(signOut.headers.get('location') ?? '', /^\/saml\/slo\/continue\?tx=/);
      const toSp = await browser.get(signOut.headers.get('location')!);
      assert.equal(toSp.status, 303);
      const request = new URL(toSp.headers.get('location')!);
      assert.equal(`${request.origin}${request.pathname}`, sp.slsUrl);
      const handled = await sp.run('sls', ['--query', request.search.slice(1)]);
      assert.equal(handled.json.valid, true, String(handled.json.error));
      assert.equal(handled.json.kind, 'request');
      const done = await deliver(browser, handled.json as { url?: string; action?: string; fields?: Record<string, string> });
      assert.equal(done.status, 200, done.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 600));
      assert.match(done.body, /You are signed out/);
      assert.match(done.body, new RegExp(entityId.replace(/[.]/g, '\\.')));
    });
  });
}

describe('Single Logout reaches every SP of the session', () => {
  test('a logout started at python-saml is propagated to pysaml2 (signed LogoutRequest, its LogoutResponse validated) before python-saml gets PartialLogout-free Success', async () => {
    const browser = new BrowserSession(idp.baseUrl);
    const onelogin = new PythonSp({ script: 'onelogin_sp_flow.py', idpMetadataXml: idpMetadata, spEntityId: 'https://slo-a.sp.test/metadata', spBaseUrl: 'https://slo-a.sp.test' });
    const pysaml = new PythonSp({ script: 'pysaml2_sp_flow.py', idpMetadataXml: idpMetadata, spEntityId: 'https://slo-b.sp.test/metadata', spBaseUrl: 'https://slo-b.sp.test' });
    try {
      for (const sp of [onelogin, pysaml]) {
        cli(['sp', 'add', '--metadata', sp.writeFile('md.xml', await sp.metadata())]);
      }
      assert.equal((await signIn(browser, ALICE.username, ALICE.password)).status, 303);
      for (const sp of [onelogin, pysaml]) {
        const login = await sp.run('login', ['--binding', 'redirect']);
        const flow = await followToSp(browser, await deliver(browser, login.json));
        assert.equal((await consume(sp, flow.form)).result.json.valid, true);
      }
      const logout = await onelogin.run('logout');
      const toB = await deliver(browser, logout.json);
      const requestToB = new URL(toB.headers.get('location')!);
      assert.equal(`${requestToB.origin}${requestToB.pathname}`, pysaml.slsUrl, 'Sesame first asks pysaml2 to log out');
      const bAnswer = await pysaml.run('sls', ['--query', requestToB.search.slice(1)]);
      assert.equal(bAnswer.json.valid, true, String(bAnswer.json.error));
      const toA = await deliver(browser, bAnswer.json as { url?: string });
      const responseToA = new URL(toA.headers.get('location')!);
      assert.equal(`${responseToA.origin}${responseToA.pathname}`, onelogin.slsUrl, 'then answers python-saml');
      const aVerdict = await onelogin.run('sls', ['--query', responseToA.search.slice(1)]);
      assert.equal(aVerdict.json.valid, true, String(aVerdict.json.error));
      assert.equal((await browser.get('/')).status, 303, 'the Sesame session is over');
      const audit = JSON.parse(cli(['audit', 'list', '--event', 'slo.complete', '--json'])) as Array<{ details: { loggedOut: string[]; failed: string[] } }>;
      assert.deepEqual(audit[0]!.details.loggedOut, ['https://slo-b.sp.test/metadata']);
      assert.deepEqual(audit[0]!.details.failed, []);
    } finally {
      onelogin.cleanup();
      pysaml.cleanup();
    }
  });
});
