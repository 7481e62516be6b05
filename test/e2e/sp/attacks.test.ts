/**
 * Attacks on /saml/sso and /saml/slo (issue 4, "Proof: attacks"). Each crafted message must end
 * with no assertion issued, a clear error page quoting the rule, no redirect anywhere, and an
 * audit line; the same request made honestly is shown to succeed, so a refusal means something.
 */
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BrowserSession, signIn } from '../../helpers/browserSession';
import { generateTestKeyPair, type TestKeyPair } from '../../helpers/fixtureResponse';
import { startSesame, type SesameInstance, sesameCliOk } from '../../helpers/sesameProcess';
import { authnRequest, postBody, redirectQuery, RSA_SHA1, signPost, spMetadata, type AuthnRequestOptions } from './craftedRequests';
import { samlForm } from './samlBrowser';

const SP = 'https://app.attack.test/metadata';
const ACS = 'https://app.attack.test/acs';
const SIGNED_SP = 'https://signed.attack.test/metadata';
const SIGNED_ACS = 'https://signed.attack.test/acs';
const PASSWORD = 'correct horse battery staple';

let idp: SesameInstance;
let spKey: TestKeyPair;
let otherKey: TestKeyPair;
let browser: BrowserSession;
const honestRequestIds: string[] = [];

const cli = (args: string[], stdin?: string) => sesameCliOk(idp, args, stdin);

const sso = () => `${idp.baseUrl}/saml/sso`;
const request = (opts: Partial<AuthnRequestOptions> = {}) => authnRequest({ issuer: SP, destination: sso(), acsUrl: ACS, ...opts });
const signedRequest = (opts: Partial<AuthnRequestOptions> = {}) => authnRequest({ issuer: SIGNED_SP, destination: sso(), acsUrl: SIGNED_ACS, ...opts });

async function getSso(query: string) {
  return browser.get(`/saml/sso?${query}`);
}

/** A cross-site POST from the SP: no Sesame cookie goes with it; the transaction cookie it gets back is kept. */
async function postSso(body: string) {
  return browser.postCrossSite(sso(), body);
}

/** A refusal: the right status, the rule on the page, no SAML form, no redirect at all. */
function assertRefused(page: { status: number; headers: Headers; body: string }, status: number, rule: string) {
  assert.equal(page.status, status, page.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 400));
  assert.ok(page.body.includes(`<code>${rule}</code>`), `the page quotes rule ${rule}: ${page.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 400)}`);
  assert.equal(page.headers.get('location'), null, 'no redirect');
  assert.ok(!page.body.includes('SAMLResponse'), 'no SAML response');
}

/** Follows an accepted request to the SAML form Sesame posts back. */
async function completed(first: { status: number; headers: Headers; body: string }) {
  assert.equal(first.status, 303, first.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 400));
  const page = await browser.get(first.headers.get('location')!);
  const form = samlForm(page);
  assert.ok(form, `a SAML form: ${page.body.slice(0, 300)}`);
  return form;
}

before(async () => {
  idp = await startSesame({ SESAME_WORKERS: '1' });
  cli(['user', 'add', 'alice', '--password-stdin'], PASSWORD);
  spKey = generateTestKeyPair('attack-sp');
  otherKey = generateTestKeyPair('not-the-sp');
  const dir = idp.dir;
  fs.writeFileSync(path.join(dir, 'sp.xml'), spMetadata({ entityId: SP, acs: [ACS, 'https://app.attack.test/acs2'], signingCert: spKey.certBase64 }));
  fs.writeFileSync(path.join(dir, 'signed-sp.xml'), spMetadata({ entityId: SIGNED_SP, acs: [SIGNED_ACS], signingCert: spKey.certBase64, authnRequestsSigned: true, slo: 'https://signed.attack.test/slo' }));
  cli(['sp', 'add', '--metadata', path.join(dir, 'sp.xml')]);
  cli(['sp', 'add', '--metadata', path.join(dir, 'signed-sp.xml')]);
  browser = new BrowserSession(idp.baseUrl);
  assert.equal((await signIn(browser, 'alice', PASSWORD)).status, 303);
});

after(async () => {
  await idp?.stop();
});

describe('honest requests succeed (so the refusals below mean something)', () => {
  test('unsigned Redirect request from a registered SP, and a signed POST request, each get an assertion at the registered ACS', async () => {
    const plain = request();
    honestRequestIds.push(plain.id);
    const form = await completed(await getSso(redirectQuery(plain.xml, { relayState: 'https://evil.example/' })));
    assert.equal(form.action, ACS);
    assert.equal(form.fields.RelayState, 'https://evil.example/', 'RelayState only travels back to the registered ACS, untouched');
    const signed = signedRequest();
    honestRequestIds.push(signed.id);
    const second = await completed(await postSso(postBody(signPost(signed.xml, spKey))));
    assert.equal(second.action, SIGNED_ACS);
    assert.match(Buffer.from(second.fields.SAMLResponse!, 'base64').toString(), new RegExp(`InResponseTo="${signed.id}"`));
  });
});

describe('attacks: nothing is issued, the page says why, the audit log records it', () => {
  test('unknown issuer: 403 request.issuer', async () => {
    assertRefused(await getSso(redirectQuery(authnRequest({ issuer: 'https://stranger.example/', destination: sso(), acsUrl: ACS }).xml)), 403, 'request.issuer');
  });

  test('an AuthnRequest claiming to come from the AWS console (which never sends one, E9) is refused: 403 request.issuer', async () => {
    const forged = authnRequest({ issuer: 'urn:amazon:webservices', destination: sso(), acsUrl: 'https://signin.aws.amazon.com/saml' });
    assertRefused(await getSso(redirectQuery(forged.xml)), 403, 'request.issuer');
  });

  test('open redirect through the ACS: an unregistered ACS URL (even one sharing the prefix) or index is an error page, never a redirect', async () => {
    for (const acsUrl of ['https://evil.example/acs', 'https://app.attack.test/acs/../evil', 'https://app.attack.test/acsX', 'https://app.attack.test.evil.example/acs']) {
      assertRefused(await getSso(redirectQuery(request({ acsUrl }).xml, { relayState: 'https://evil.example/' })), 403, 'request.acs');
    }
    assertRefused(await getSso(redirectQuery(request({ acsUrl: null, acsIndex: 7 }).xml)), 403, 'request.acs');
  });

  test('open redirect through RelayState: it is never a Location, only a form field to the registered ACS; oversized or control characters are refused', async () => {
    assertRefused(await getSso(redirectQuery(request().xml, { relayState: 'x'.repeat(2000) })), 413, 'request.relaystate');
    assertRefused(await getSso(redirectQuery(request().xml, { relayState: 'a\r\nLocation: https://evil.example/' })), 400, 'request.relaystate');
  });

  test('missing required signature (metadata AuthnRequestsSigned="true"), both bindings: 403 signature.missing', async () => {
    assertRefused(await getSso(redirectQuery(signedRequest().xml)), 403, 'signature.missing');
    assertRefused(await postSso(postBody(signedRequest().xml)), 403, 'signature.missing');
  });

  test('bad signature: a Redirect request changed after signing, and a POST request changed after signing: 403 signature.invalid', async () => {
    const good = redirectQuery(signedRequest().xml, { key: spKey });
    const other = redirectQuery(signedRequest({ acsUrl: SIGNED_ACS, forceAuthn: true }).xml);
    const tampered = other.split('&')[0] + '&' + good.split('&').slice(1).join('&');
    assertRefused(await getSso(tampered), 403, 'signature.invalid');
    const signed = signPost(signedRequest().xml, spKey).replace('Version="2.0"', 'Version="2.0" ForceAuthn="false"');
    assertRefused(await postSso(postBody(signed)), 403, 'signature.invalid');
  });

  test('signature by a key that is not the SP\'s (KeyInfo carries the attacker\'s certificate): 403 signature.invalid, both bindings', async () => {
    assertRefused(await getSso(redirectQuery(signedRequest().xml, { key: otherKey })), 403, 'signature.invalid');
    assertRefused(await postSso(postBody(signPost(signedRequest().xml, otherKey))), 403, 'signature.invalid');
  });

  test('SHA-1 signatures are refused unless the SP is configured to need them (allow-sha1)', async () => {
    assertRefused(await getSso(redirectQuery(signedRequest().xml, { key: spKey, sigAlg: RSA_SHA1 })), 400, 'signature.algorithm');
    cli(['sp', 'set', SIGNED_SP, '--allow-sha1', 'yes']);
    const legacy = signedRequest();
    honestRequestIds.push(legacy.id);
    await completed(await getSso(redirectQuery(legacy.xml, { key: spKey, sigAlg: RSA_SHA1 })));
    cli(['sp', 'set', SIGNED_SP, '--allow-sha1', 'no']);
  });

  test('replayed request ID: the second delivery is refused (request.replay)', async () => {
    const once = request();
    honestRequestIds.push(once.id);
    await completed(await getSso(redirectQuery(once.xml)));
    assertRefused(await getSso(redirectQuery(once.xml)), 400, 'request.replay');
  });

  test('stale IssueInstant (10 minutes old) and one from the future: request.stale / request.future', async () => {
    assertRefused(await getSso(redirectQuery(request({ issueInstant: new Date(Date.now() - 600_000) }).xml)), 400, 'request.stale');
    assertRefused(await getSso(redirectQuery(request({ issueInstant: new Date(Date.now() + 600_000) }).xml)), 400, 'request.future');
  });

  test('signed request addressed to another IdP (Destination): request.destination', async () => {
    assertRefused(await getSso(redirectQuery(signedRequest({ destination: 'https://other-idp.example/sso' }).xml, { key: spKey })), 400, 'request.destination');
  });

  test('DTD / XXE: a DOCTYPE with an external entity is refused before parsing (intake.doctype)', async () => {
    const xxe = request({ prolog: '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>', issuerText: '&x;' });
    assertRefused(await getSso(redirectQuery(xxe.xml)), 400, 'intake.doctype');
    assertRefused(await postSso(postBody(xxe.xml)), 400, 'intake.doctype');
  });

  test('entity expansion: billion laughs (intake.doctype) and an undeclared entity reference (intake.entity)', async () => {
    const lol = '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>';
    assertRefused(await getSso(redirectQuery(request({ prolog: lol, issuerText: '&c;' }).xml)), 400, 'intake.doctype');
    assertRefused(await getSso(redirectQuery(request({ issuerText: `${SP}&c;` }).xml)), 400, 'intake.entity');
  });

  test('oversized request: refused with 413 before parsing (intake.size)', async () => {
    const big = request({ inject: `<samlp:Extensions>${'<x:y xmlns:x="urn:x">z</x:y>'.repeat(6000)}</samlp:Extensions>` });
    assertRefused(await postSso(postBody(big.xml)), 413, 'intake.size');
  });

  test('DEFLATE bomb: 10 MB of zeros in a few KB is stopped at the inflate cap (intake.inflate)', async () => {
    const bomb = deflateRawSync(Buffer.alloc(10 * 1024 * 1024, 0x20));
    assert.ok(bomb.length < 20_000);
    assertRefused(await getSso(redirectQuery('', { deflated: bomb })), 413, 'intake.inflate');
  });

  test('signature wrapping: the signed request moved into Extensions under a forged root, a second signature, a signature not on the root, a duplicated ID', async () => {
    const original = signedRequest();
    const signed = signPost(original.xml, spKey);
    const forgedRoot = signedRequest({ id: original.id, acsUrl: SIGNED_ACS, inject: `<samlp:Extensions>${signed}</samlp:Extensions>` });
    assertRefused(await postSso(postBody(forgedRoot.xml)), 400, 'signature.reference');
    const evilId = signedRequest({ inject: `<samlp:Extensions>${signed.replace(/<\?xml[^>]*>/, '')}</samlp:Extensions>` });
    assertRefused(await postSso(postBody(evilId.xml)), 400, 'signature.reference');
    const twice = signPost(signed, spKey);
    assertRefused(await postSso(postBody(twice)), 400, 'signature.count');
    const withDuplicateId = signed.replace('</saml:Issuer>', `</saml:Issuer><samlp:Extensions><x:e xmlns:x="urn:x" ID="${original.id}"/></samlp:Extensions>`);
    const page = await postSso(postBody(withDuplicateId));
    assert.ok(page.status === 403 || page.status === 400, `status ${page.status}`);
    assert.match(page.body, /signature\.(reference|invalid)/);
  });

  test('comment and processing-instruction injection in identifiers: intake.comment / intake.pi', async () => {
    assertRefused(await getSso(redirectQuery(request({ issuerText: `${SP}<!---->.evil.example` }).xml)), 400, 'intake.comment');
    assertRefused(await getSso(redirectQuery(request({ issuerText: `<?p x?>${SP}` }).xml)), 400, 'intake.pi');
    assertRefused(await postSso(postBody(signPost(signedRequest({ issuerText: `${SIGNED_SP}<!---->` }).xml, spKey))), 400, 'intake.comment');
  });

  test('duplicate and percent-encoded parameter names are refused (intake.params)', async () => {
    const one = redirectQuery(request().xml);
    assertRefused(await getSso(`${one}&${one}`), 400, 'intake.params');
    assertRefused(await getSso(one.replace('SAMLRequest=', '%53AMLRequest=')), 400, 'intake.params');
    assertRefused(await postSso(`${postBody(request().xml)}&SAMLRequest=x`), 400, 'intake.params');
  });

  test('a forged LogoutRequest (unsigned, from an SP with a key) cannot end a session: signature.missing; the session survives', async () => {
    const logout =
      `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_l1" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${idp.baseUrl}/saml/slo">` +
      `<saml:Issuer>${SIGNED_SP}</saml:Issuer><saml:NameID>anyone</saml:NameID></samlp:LogoutRequest>`;
    assertRefused(await browser.get(`/saml/slo?${redirectQuery(logout)}`), 403, 'signature.missing');
    assert.equal((await browser.get('/')).status, 200, 'still signed in');
  });

  test('every refusal is in the audit log with its rule, and only honest requests were answered with an assertion', () => {
    const refused = JSON.parse(cli(['audit', 'list', '--event', 'saml.request.refused', '--limit', '500', '--json'])) as Array<{ details: { rule: string } }>;
    const rules = new Set(refused.map((e) => e.details.rule));
    for (const rule of ['request.issuer', 'request.acs', 'request.relaystate', 'signature.missing', 'signature.invalid', 'signature.algorithm', 'request.replay', 'request.stale', 'request.future', 'request.destination', 'intake.doctype', 'intake.entity', 'intake.size', 'intake.inflate', 'signature.reference', 'signature.count', 'intake.comment', 'intake.pi', 'intake.params']) {
      assert.ok(rules.has(rule), `audited: ${rule}`);
    }
    const issued = JSON.parse(cli(['audit', 'list', '--event', 'assertion.issued', '--limit', '500', '--json'])) as Array<{ details: { inResponseTo: string } }>;
    assert.deepEqual(issued.map((e) => e.details.inResponseTo).sort(), [...honestRequestIds].sort());
  });
});
