/**
 * User story (issue 4): a company runs SimpleSAMLphp in front of an application. The admin
 * registers it from the metadata SimpleSAMLphp publishes; an employee opens the application, is
 * sent to Sesame, signs in, and lands back in the application, which shows the attributes Sesame
 * released — over real HTTP with a cookie jar, SimpleSAMLphp served by PHP's built-in server.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startSesame, type SesameInstance, sesameCliOk } from '../../helpers/sesameProcess';
import { CrossSiteBrowser, decodeEntities, simpleSamlPhpAvailable, startSimpleSamlPhp, type SimpleSamlPhpSp } from '../../peers/simpleSamlPhp';

const PASSWORD = 'correct horse battery staple';
let idp: SesameInstance;
let ssp: SimpleSamlPhpSp;

const cli = (args: string[], stdin?: string) => sesameCliOk(idp, args, stdin);

/** Signs in on Sesame's login page reached through the SP, then follows everything back to the SP. */
async function loginThroughSp(browser: CrossSiteBrowser, start: string) {
  const loginPage = await browser.follow(start, (page) => new URL(page.url).pathname === '/login');
  assert.equal(new URL(loginPage.url).origin, idp.baseUrl, 'the application sent the browser to Sesame');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(loginPage.body)![1]!;
  const next = decodeEntities(/name="next" value="([^"]+)"/.exec(loginPage.body)![1]!);
  return browser.follow(`${idp.baseUrl}/login`, () => false, { method: 'POST', form: { _csrf: csrf, next, username: 'alice', password: PASSWORD } });
}

describe('SimpleSAMLphp as a service provider', { skip: simpleSamlPhpAvailable() ? false : 'simplesamlphp/php-cli not installed (scripts/install-test-deps.sh)' }, () => {
  before(async () => {
    idp = await startSesame({ SESAME_WORKERS: '1' });
    cli(['user', 'add', 'alice', '--email', 'alice@example.com', '--display-name', 'Alice Liddell', '--password-stdin'], PASSWORD);
    cli(['group', 'add', 'wiki-users']);
    cli(['group', 'add-member', 'wiki-users', 'alice']);
    ssp = await startSimpleSamlPhp(await (await fetch(`${idp.baseUrl}/saml/metadata`)).text());
    const metadata = await (await fetch(ssp.metadataUrl)).text();
    const file = path.join(idp.dir, 'ssp-metadata.xml');
    fs.writeFileSync(file, metadata);
    cli(['sp', 'add', '--metadata', file, '--name', 'Wiki', '--release', 'uid,mail,displayName,groups', '--groups', 'wiki-users']);
  });
  after(async () => {
    await ssp?.stop();
    await idp?.stop();
  });

  test('full login: request at the SP, sign-in at Sesame, back at the SP which shows the released attributes (encrypted, signed assertion)', async () => {
    const browser = new CrossSiteBrowser();
    const landing = await loginThroughSp(browser, ssp.loginUrl);
    const text = landing.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    assert.equal(landing.status, 200, `${text.slice(0, 500)}\n${ssp.log().slice(-3000)}`);
    assert.equal(new URL(landing.url).origin, ssp.baseUrl, 'the user ended at the application');
    for (const expected of ['urn:oid:0.9.2342.19200300100.1.1 alice', 'alice@example.com', 'Alice Liddell', 'wiki-users']) {
      assert.ok(text.includes(expected), `SimpleSAMLphp shows ${expected}: ${text.slice(0, 1500)}`);
    }
    assert.match(text, /urn:oasis:names:tc:SAML:2\.0:nameid-format:persistent/);
    const visited = browser.visited.join('\n');
    assert.match(visited, /GET http:\/\/127\.0\.0\.1:\d+\/saml\/sso\?SAMLRequest=.*&Signature=/, 'SimpleSAMLphp sent a signed HTTP-Redirect AuthnRequest');
    assert.match(visited, /POST http:\/\/127\.0\.0\.1:\d+\/module\.php\/saml\/sp\/saml2-acs\.php\/default-sp/);
    const issued = JSON.parse(cli(['audit', 'list', '--event', 'assertion.issued', '--json'])) as Array<{ details: { sp: string; encrypted: boolean } }>;
    assert.equal(issued[0]!.details.sp, ssp.entityId);
    assert.equal(issued[0]!.details.encrypted, true, 'SimpleSAMLphp publishes an encryption key, so it got an EncryptedAssertion (AES-256-GCM) and decrypted it');
  });

  test('SP-initiated logout at SimpleSAMLphp ends the Sesame session too (signed LogoutRequest, validated LogoutResponse)', async () => {
    const browser = new CrossSiteBrowser();
    await loginThroughSp(browser, ssp.loginUrl);
    const out = await browser.follow(ssp.logoutUrl);
    assert.equal(new URL(out.url).origin, ssp.baseUrl, `logout ended back at the SP: ${browser.visited.slice(-4).join('\n')}`);
    assert.match(browser.visited.join('\n'), /GET http:\/\/127\.0\.0\.1:\d+\/saml\/slo\?SAMLRequest=/);
    const portal = await browser.request(`${idp.baseUrl}/`);
    assert.equal(portal.status, 303, 'the Sesame session is over');
    const complete = JSON.parse(cli(['audit', 'list', '--event', 'slo.request', '--json'])) as Array<{ details: { sp: string; signed: boolean } }>;
    assert.equal(complete[0]!.details.sp, ssp.entityId);
    assert.equal(complete[0]!.details.signed, true);
  });

  test('a user outside the allowed groups is refused: SimpleSAMLphp receives RequestDenied, no assertion is issued', async () => {
    cli(['user', 'add', 'mallory', '--password-stdin'], 'an outsider with a long password');
    const browser = new CrossSiteBrowser();
    const loginPage = await browser.follow(ssp.loginUrl, (page) => new URL(page.url).pathname === '/login');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(loginPage.body)![1]!;
    const next = decodeEntities(/name="next" value="([^"]+)"/.exec(loginPage.body)![1]!);
    const landing = await browser.follow(`${idp.baseUrl}/login`, () => false, { method: 'POST', form: { _csrf: csrf, next, username: 'mallory', password: 'an outsider with a long password' } });
    assert.match(landing.body, /RequestDenied/, 'SimpleSAMLphp reports the RequestDenied status');
    const issued = JSON.parse(cli(['audit', 'list', '--event', 'assertion.issued', '--json'])) as Array<{ actor: string }>;
    assert.ok(!issued.some((e) => e.actor === 'mallory'));
    const errors = JSON.parse(cli(['audit', 'list', '--event', 'saml.response.error', '--json'])) as Array<{ actor: string; details: { status: string } }>;
    assert.equal(errors[0]!.actor, 'mallory');
    assert.match(errors[0]!.details.status, /RequestDenied/);
  });
});
