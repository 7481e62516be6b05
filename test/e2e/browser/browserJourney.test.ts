/**
 * User stories of issue 5, in a real browser (Debian Chromium via playwright-core) against the real
 * Sesame process on loopback:
 *  - an admin runs every console section without touching the command line: users, groups with a
 *    "second factor required" policy, AWS accounts and grants with a preview of the Role values,
 *    the audit log with CSV export, and a full signing-key rollover;
 *  - an employee in that group is made to enrol TOTP at sign-in (QR code page), keeps recovery
 *    codes, signs in with a code, opens the AWS console from the portal (the POST to AWS is
 *    intercepted and its SAMLResponse checked with xmlsec1, REFEDS MFA in the AuthnContext), and
 *    sees their sessions and sign-ins on the account page.
 * Screenshots of the main pages go to test-artifacts/screenshots/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DOMParser } from '@xmldom/xmldom';
import { sesameCli, startSesame, type SesameInstance } from '../../helpers/sesameProcess';
import { toCertPem, verifyWithXmlsec1 } from '../../helpers/xmlsec';
import { interceptPosts, launchChromium, screenshot } from '../../helpers/chromium';
import { totpFromPython } from './totpPeer';
import crypto from 'node:crypto';
import { createSelfSignedCertificate } from '../../../src/saml/keys/selfSignedCertificate';

const AWS_SIGNIN = 'https://signin.aws.amazon.com/saml';
const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DEV_ROLE = 'arn:aws:iam::111122223333:role/Developer';
const DEV_PROVIDER = 'arn:aws:iam::111122223333:saml-provider/Sesame';
const REFEDS_MFA = 'https://refeds.org/profile/mfa';
const ADMIN = { username: 'root1', password: 'the admin long secret' };
const ALICE = { username: 'alice', password: 'correct horse battery staple' };

let idp: SesameInstance;
let browser: Browser;
let adminContext: BrowserContext;
let admin: Page;
let aliceContext: BrowserContext;
let alice: Page;
let awsPosts: Awaited<ReturnType<typeof interceptPosts>>;
let aliceSecret = '';
let recoveryCodes: string[] = [];

const metadataCerts = async () => {
  const xml = await (await fetch(`${idp.baseUrl}/saml/metadata`)).text();
  return [...xml.matchAll(/<ds:X509Certificate>([^<]+)<\/ds:X509Certificate>/g)].map((m) => m[1]!);
};

async function signInThroughForm(page: Page, who: { username: string; password: string }) {
  await page.goto(`${idp.baseUrl}/login`);
  await page.fill('input[name=username]', who.username);
  await page.fill('input[name=password]', who.password);
  await page.click('form[action="/login"] button[type=submit]');
}

/** Clicks the role's link on the portal; returns the SAML Response XML the browser posted to AWS. */
async function launchRoleFromPortal(page: Page): Promise<{ xml: string; relayState: string | null }> {
  await page.goto(`${idp.baseUrl}/`);
  const posted = awsPosts.next();
  await page.click(`a[href="/aws/sso?role=${encodeURIComponent(DEV_ROLE)}"]`);
  const post = await posted;
  assert.equal(post.url, AWS_SIGNIN);
  return { xml: Buffer.from(post.fields.get('SAMLResponse')!, 'base64').toString('utf8'), relayState: post.fields.get('RelayState') };
}

function assertionFacts(xml: string) {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const values = (name: string) =>
    Array.from(doc.getElementsByTagNameNS(SAML, 'Attribute'))
      .filter((a) => a.getAttribute('Name') === name)
      .flatMap((a) => Array.from(a.getElementsByTagNameNS(SAML, 'AttributeValue')).map((v) => v.textContent ?? ''));
  return {
    roles: values('https://aws.amazon.com/SAML/Attributes/Role'),
    authnContext: doc.getElementsByTagNameNS(SAML, 'AuthnContextClassRef')[0]?.textContent ?? null,
  };
}

/**
 * Sesame may run several worker processes; each re-reads the key ring within a second of a change
 * made in another. Poll (bounded) instead of sleeping a fixed time.
 */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean | Promise<boolean>): Promise<T> {
  const deadline = Date.now() + 10_000;
  let value = await read();
  while (!(await done(value)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    value = await read();
  }
  return value;
}

async function signedBy(xml: string, certBase64: string): Promise<boolean> {
  return (await verifyWithXmlsec1(xml, toCertPem(certBase64), { node: 'Assertion' })).ok;
}

before(async () => {
  idp = await startSesame();
  const created = sesameCli(idp, ['user', 'add', ADMIN.username, '--admin', '--password-stdin'], ADMIN.password);
  assert.equal(created.status, 0, created.stderr);
  browser = await launchChromium();
  adminContext = await browser.newContext();
  admin = await adminContext.newPage();
  aliceContext = await browser.newContext();
  awsPosts = await interceptPosts(aliceContext, AWS_SIGNIN);
  alice = await aliceContext.newPage();
});

after(async () => {
  await browser?.close();
  await idp?.stop();
});

describe('admin console in Chromium', () => {
  test('the admin signs in and reaches the console from the header', async () => {
    await signInThroughForm(admin, ADMIN);
    await admin.click('header a[href="/admin"]');
    assert.equal(await admin.textContent('h1'), 'Administration');
    await screenshot(admin, '01-admin-overview');
  });

  test('users: create a user from the form; bad input is refused on the page', async () => {
    await admin.goto(`${idp.baseUrl}/admin/users`);
    await admin.fill('#create-user input[name=username]', 'Alice');
    await admin.fill('#create-user input[name=displayName]', 'Alice <Liddell>');
    await admin.fill('#create-user input[name=email]', 'alice@example.com');
    await admin.fill('#create-user input[name=password]', ALICE.password);
    await admin.fill('#create-user input[name=passwordRepeat]', ALICE.password);
    await admin.click('#create-user button[type=submit]');
    assert.match((await admin.textContent('p.notice')) ?? '', /Created user alice/);
    assert.ok(((await admin.textContent('#users')) ?? '').includes('Alice <Liddell>'), 'shown as text, escaped');

    await admin.fill('#create-user input[name=username]', 'bob');
    await admin.fill('#create-user input[name=password]', 'short');
    await admin.fill('#create-user input[name=passwordRepeat]', 'short');
    const refused = admin.waitForResponse((r) => r.url().endsWith('/admin/users') && r.request().method() === 'POST');
    await admin.click('#create-user button[type=submit]');
    assert.equal((await refused).status(), 400);
    assert.match((await admin.textContent('p.error')) ?? '', /at least 12 characters/);
    await screenshot(admin, '02-admin-users');
  });

  test('groups: create a group, add the member, require a second factor', async () => {
    await admin.goto(`${idp.baseUrl}/admin/groups`);
    await admin.fill('#create-group input[name=name]', 'developers');
    await admin.click('#create-group button[type=submit]');
    await admin.click('a[href="/admin/groups/developers"]');
    await admin.fill('#members input[name=username]', 'alice');
    await admin.click('#members form:not(.inline) button[type=submit]');
    assert.match((await admin.textContent('p.notice')) ?? '', /Added alice/);
    await admin.check('#mfa-policy input[name=required]');
    await admin.click('#mfa-policy button[type=submit]');
    assert.match((await admin.textContent('p.notice')) ?? '', /must now give a second factor/);
    assert.ok(await admin.isChecked('#mfa-policy input[name=required]'));
    await screenshot(admin, '03-admin-group');
  });

  test('AWS access: account label, a grant with validated ARNs, and the exact Role values a member gets', async () => {
    await admin.goto(`${idp.baseUrl}/admin/aws`);
    await admin.fill('#add-account input[name=accountId]', '111122223333');
    await admin.fill('#add-account input[name=label]', 'Sandbox');
    await admin.click('#add-account button[type=submit]');

    await admin.selectOption('#add-grant select[name=group]', 'developers');
    await admin.fill('#add-grant input[name=roleArn]', DEV_ROLE);
    await admin.fill('#add-grant input[name=providerArn]', 'arn:aws:iam::444455556666:saml-provider/Sesame');
    await admin.click('#add-grant button[type=submit]');
    assert.match((await admin.textContent('p.error')) ?? '', /^S7: /, 'role and provider in different accounts are refused, quoting the rule');
    assert.equal(await admin.inputValue('#add-grant input[name=roleArn]'), DEV_ROLE, 'the form keeps what was typed');

    await admin.fill('#add-grant input[name=providerArn]', DEV_PROVIDER);
    await admin.fill('#add-grant input[name=duration]', '7200');
    await admin.fill('#add-grant input[name=label]', 'Dev sandbox');
    await admin.click('#add-grant button[type=submit]');
    assert.match((await admin.textContent('p.notice')) ?? '', /members of developers may assume/);
    assert.ok(((await admin.textContent('#grants')) ?? '').includes('Sandbox'), 'grant shows the account label');

    await admin.fill('#preview input[name=preview]', 'alice');
    await admin.click('#preview button[type=submit]');
    const values = await admin.$$eval('#preview code.attribute-value', (nodes) => nodes.map((n) => n.textContent));
    assert.deepEqual(values, [`${DEV_ROLE},${DEV_PROVIDER}`, 'alice@example.com', '7200']);
    await screenshot(admin, '04-admin-aws');
  });
});

describe('admin console in Chromium: service providers', () => {
  test('upload an SP\'s metadata, see what was parsed, change its settings; bad values are refused', async () => {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cert = createSelfSignedCertificate({ privateKey, commonName: 'wiki SP', validDays: 30 }).replace(/-----[^-]+-----|\s/g, '');
    const fingerprint = crypto.createHash('sha256').update(Buffer.from(cert, 'base64')).digest('hex').toUpperCase().match(/../g)!.join(':');
    const metadata = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://wiki.example.org/saml">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" AuthnRequestsSigned="true" WantAssertionsSigned="true">
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://wiki.example.org/saml/acs" index="0" isDefault="true"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>`;
    await admin.goto(`${idp.baseUrl}/admin/sps`);
    assert.match((await admin.textContent('#sps')) ?? '', /urn:amazon:webservices/, 'the AWS console is in the registry from the configuration');
    await admin.fill('#add-sp textarea[name=metadata]', metadata);
    await admin.click('#add-sp button[type=submit]');
    assert.match((await admin.textContent('p.notice')) ?? '', /Registered https:\/\/wiki\.example\.org\/saml: 1 ACS/);
    const parsed = (await admin.textContent('#parsed')) ?? '';
    for (const fact of ['https://wiki.example.org/saml/acs', fingerprint, 'emailAddress']) assert.ok(parsed.includes(fact), `shows ${fact}`);
    assert.equal(await admin.inputValue('#sp-settings select[name=nameid]'), 'persistent', 'NameID defaults to persistent: an email NameID must be chosen by the admin');

    await admin.fill('#sp-settings input[name=lifetime]', '5');
    await admin.click('#sp-settings button[type=submit]');
    assert.match((await admin.textContent('p.error')) ?? '', /lifetime: 60–3600 seconds/);
    await admin.fill('#sp-settings input[name=lifetime]', '120');
    await admin.fill('#sp-settings input[name=groups]', 'developers');
    await admin.click('#sp-settings button[type=submit]');
    assert.match((await admin.textContent('p.notice')) ?? '', /Saved groups, lifetime|Saved lifetime, groups/);
    assert.equal(await admin.inputValue('#sp-settings input[name=groups]'), 'developers');
    await screenshot(admin, '04b-admin-sp');
  });
});

describe('employee in Chromium: TOTP enrolment, sign-in with a code, AWS console launch', () => {
  test('the group policy makes alice enrol at sign-in: enrolment code from the admin, QR code, confirmation code, recovery codes', async () => {
    // The password alone must not choose the second factor: an admin hands over a one-time code.
    await admin.goto(`${idp.baseUrl}/admin/users/alice`);
    await admin.click('#mfa-enrol-code button[type=submit]');
    const enrolmentCode = ((await admin.textContent('#enrolment-code code')) ?? '').trim();
    assert.match(enrolmentCode, /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    await screenshot(admin, '04c-admin-enrolment-code');

    await signInThroughForm(alice, ALICE);
    assert.equal(new URL(alice.url()).pathname, '/login/mfa');
    assert.equal(await alice.textContent('h1'), 'Set up your second factor');
    assert.ok(await alice.isVisible('.qr svg'), 'QR code rendered');
    await screenshot(alice, '05-mfa-enrol-at-sign-in');
    aliceSecret = ((await alice.textContent('#totp-secret')) ?? '').replace(/\s+/g, '');
    assert.match(aliceSecret, /^[A-Z2-7]{32}$/);

    await alice.fill('input[name=enrolmentCode]', enrolmentCode);
    await alice.fill('input[name=code]', '000000' === totpFromPython(aliceSecret) ? '111111' : '000000');
    await alice.click('form[action="/login/mfa/enrol"] button[type=submit]');
    assert.match((await alice.textContent('p.error')) ?? '', /does not match/);

    await alice.fill('input[name=enrolmentCode]', enrolmentCode);
    await alice.fill('input[name=code]', totpFromPython(aliceSecret));
    await alice.click('form[action="/login/mfa/enrol"] button[type=submit]');
    recoveryCodes = await alice.$$eval('#recovery-codes code', (nodes) => nodes.map((n) => n.textContent ?? ''));
    assert.equal(recoveryCodes.length, 10);
    await screenshot(alice, '06-recovery-codes');
    await alice.click('a.button');
    assert.equal(await alice.textContent('h1'), 'Your AWS access');
    await screenshot(alice, '07-portal');
  });

  test('role launch: the browser POSTs a SAMLResponse to AWS that xmlsec1 verifies, with REFEDS MFA and the granted role', async () => {
    const { xml } = await launchRoleFromPortal(alice);
    const [cert] = await metadataCerts();
    assert.ok(await signedBy(xml, cert!), 'xmlsec1 verifies the assertion with the metadata certificate');
    const facts = assertionFacts(xml);
    assert.deepEqual(facts.roles, [`${DEV_ROLE},${DEV_PROVIDER}`]);
    assert.equal(facts.authnContext, REFEDS_MFA, 'the assertion tells the SP a second factor was used');
  });

  test('sign-out, then sign-in asks for a code: a wrong one is refused, the right one lets her in', async () => {
    await alice.goto(`${idp.baseUrl}/`);
    await alice.click('form.signout button');
    await signInThroughForm(alice, ALICE);
    assert.equal(await alice.textContent('h1'), 'Second factor');
    await screenshot(alice, '08-mfa-challenge');
    const current = new Set([totpFromPython(aliceSecret, -1), totpFromPython(aliceSecret), totpFromPython(aliceSecret, 1)]);
    const wrong = ['123456', '654321', '111111', '222222'].find((c) => !current.has(c))!;
    await alice.fill('input[name=code]', wrong);
    const refused = alice.waitForResponse((r) => r.url().endsWith('/login/mfa') && r.request().method() === 'POST');
    await alice.click('form[action="/login/mfa"] button[type=submit]');
    assert.equal((await refused).status(), 401);
    assert.match((await alice.textContent('p.error')) ?? '', /not right/);
    // The enrolment claimed this step; the next step's code is valid now (±1 window) and unused.
    await alice.fill('input[name=code]', totpFromPython(aliceSecret, 1));
    await alice.click('form[action="/login/mfa"] button[type=submit]');
    assert.equal(await alice.textContent('h1'), 'Your AWS access');
  });

  test('self-service: alice sees her active session and recent sign-ins', async () => {
    await alice.click('header a[href="/account"]');
    assert.equal(await alice.textContent('h1'), 'Your account');
    assert.match((await alice.textContent('#sessions')) ?? '', /this session/);
    assert.match((await alice.textContent('#sign-ins')) ?? '', /signed in/);
    assert.match((await alice.textContent('#second-factor')) ?? '', /10/);
    await screenshot(alice, '09-account');
  });
});

describe('admin console in Chromium: audit log and key rollover', () => {
  test('audit log: filter by user and event, export the same rows as CSV', async () => {
    await admin.goto(`${idp.baseUrl}/admin/audit`);
    await admin.fill('#audit-filter input[name=user]', 'alice');
    await admin.fill('#audit-filter input[name=event]', 'mfa.');
    await admin.click('#audit-filter button[type=submit]');
    const events = await admin.$$eval('#audit tbody tr td:nth-child(3)', (cells) => cells.map((c) => c.textContent));
    assert.ok(events.includes('mfa.enrol') && events.includes('mfa.success') && events.includes('mfa.failure'), events.join(','));
    assert.ok(events.every((e) => e!.startsWith('mfa.')));
    await screenshot(admin, '10-admin-audit');
    const download = admin.waitForEvent('download');
    await admin.click('#audit-csv');
    const file = await (await download).path();
    const csv = (await import('node:fs')).readFileSync(file!, 'utf8');
    const lines = csv.trim().split('\r\n');
    assert.equal(lines[0], 'id,at,event,actor,subject,client_ip,sp,details');
    assert.equal(lines.length - 1, events.length, 'CSV has the rows the page shows');
    assert.ok(lines.slice(1).every((l) => l.split(',')[2]!.startsWith('mfa.')));
  });

  test('key rollover: create next (both published) → switch (new key signs) → retire (old key gone from metadata)', async () => {
    const [oldCert] = await metadataCerts();
    await admin.goto(`${idp.baseUrl}/admin/keys`);
    assert.match((await admin.textContent('#rollover h2')) ?? '', /Step 1 of 3/);
    await screenshot(admin, '11-keys-steady');

    await admin.click('#rollover button[type=submit]');
    assert.match((await admin.textContent('#rollover')) ?? '', /Step 2 of 3[\s\S]*update-saml-provider/, 'the console says what to upload to IAM');
    await screenshot(admin, '12-keys-next-published');
    let certs = await eventually(metadataCerts, (c) => c.length === 2);
    assert.equal(certs.length, 2);
    assert.equal(certs[0], oldCert, 'current key first, next key beside it');
    const newCert = certs[1]!;
    const beforeSwitch = await launchRoleFromPortal(alice);
    assert.ok(await signedBy(beforeSwitch.xml, oldCert!), 'publishing the next key does not change who signs');

    await admin.click('#rollover button[type=submit]');
    assert.match((await admin.textContent('#rollover')) ?? '', /Step 3 of 3/);
    await screenshot(admin, '13-keys-switched');
    const afterSwitch = await eventually(() => launchRoleFromPortal(alice), (post) => signedBy(post.xml, newCert));
    assert.ok(await signedBy(afterSwitch.xml, newCert), 'the new key signs');
    assert.equal(await signedBy(afterSwitch.xml, oldCert!), false, 'the old key does not');
    certs = await eventually(metadataCerts, (c) => c[0] === newCert);
    assert.deepEqual(certs, [newCert, oldCert], 'old key still published until retired');

    await admin.click('#rollover button[type=submit]');
    assert.match((await admin.textContent('p.notice')) ?? '', /retired[\s\S]*Upload the metadata to IAM once more/);
    await screenshot(admin, '14-keys-retired');
    const published = await eventually(metadataCerts, (c) => c.length === 1);
    assert.deepEqual(published, [newCert], 'only the new key is published');
    const states = await admin.$$eval('#keys tbody tr', (rows) => rows.map((r) => r.getAttribute('data-state')));
    assert.deepEqual(states.sort(), ['current', 'retired']);
    const final = await launchRoleFromPortal(alice);
    assert.ok(await signedBy(final.xml, newCert));
  });
});
