/**
 * User story (issue 2): an admin sets Sesame up with the `sesame` command, uploads /saml/metadata
 * to IAM; an employee signs in through the browser form, sees their AWS roles and is POSTed a signed
 * SAML Response for the AWS sign-in endpoint. The response is judged by implementations nobody here
 * wrote (xmlsec1, OneLogin python-saml in strict mode, pysaml2, @node-saml/node-saml) and against
 * every console-flow rule of aws-saml-rules.md.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import { BrowserSession, formAction, hiddenField, signIn } from '../helpers/browserSession';
import { sesameCli, startSesame, type SesameInstance } from '../helpers/sesameProcess';
import { certificateFromMetadata, verifyWithXmlsec1 } from '../helpers/xmlsec';
import { runNodeSamlSp, runOneLoginSp, runPysaml2Sp } from '../helpers/peers';

const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const AWS_ACS = 'https://signin.aws.amazon.com/saml';
const ROLE_ATTR = 'https://aws.amazon.com/SAML/Attributes/Role';
const RSN_ATTR = 'https://aws.amazon.com/SAML/Attributes/RoleSessionName';
const DURATION_ATTR = 'https://aws.amazon.com/SAML/Attributes/SessionDuration';
const DEV = 'arn:aws:iam::111122223333:role/Developer';
const DEV_PROVIDER = 'arn:aws:iam::111122223333:saml-provider/Sesame';
const OPS = 'arn:aws:iam::444455556666:role/ops/ReadOnly';
const OPS_PROVIDER = 'arn:aws:iam::444455556666:saml-provider/Sesame';
const ALICE_PASSWORD = 'correct horse battery staple';

let idp: SesameInstance;
let metadataXml: string;
let certPem: string;

function cli(args: string[], stdin?: string) {
  const result = sesameCli(idp, args, stdin);
  assert.equal(result.status, 0, `sesame ${args.join(' ')} failed: ${result.stderr}`);
  return result;
}

/** Signs in as `username` and opens `ssoPath`; returns the POST form the browser would submit. */
async function ssoAs(username: string, password: string, ssoPath: string) {
  const browser = new BrowserSession(idp.baseUrl);
  const login = await signIn(browser, username, password);
  assert.equal(login.status, 303, `sign-in of ${username} failed: ${login.body.slice(0, 300)}`);
  const page = await browser.get(ssoPath);
  return { browser, page, action: formAction(page.body, 'saml-post'), samlResponse: hiddenField(page.body, 'SAMLResponse'), relayState: hiddenField(page.body, 'RelayState') };
}

function parse(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'text/xml') as unknown as Document;
}

function children(el: Element, ns: string, local: string): Element[] {
  return Array.from(el.childNodes).filter((n): n is Element => n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === local);
}

function only(el: Element, ns: string, local: string): Element {
  const found = children(el, ns, local);
  assert.equal(found.length, 1, `expected exactly one ${local} in ${el.localName}, found ${found.length}`);
  return found[0]!;
}

function attributeValues(assertion: Element, name: string): string[] | undefined {
  const statement = children(assertion, SAML, 'AttributeStatement')[0];
  if (!statement) return undefined;
  const attribute = children(statement, SAML, 'Attribute').filter((a) => a.getAttribute('Name') === name);
  assert.ok(attribute.length <= 1, `attribute ${name} appears more than once`);
  return attribute[0] ? children(attribute[0], SAML, 'AttributeValue').map((v) => v.textContent ?? '') : undefined;
}

before(async () => {
  idp = await startSesame();
  cli(['user', 'add', 'admin', '--admin', '--password-stdin'], 'a long secret for the boss');
  cli(['user', 'add', 'alice', '--email', 'alice@example.com', '--display-name', 'Alice Liddell', '--password-stdin'], ALICE_PASSWORD);
  cli(['user', 'add', 'bob', '--password-stdin'], 'b0b-s long secret phrase');
  cli(['user', 'add', 'carol', '--password-stdin'], 'c-has a long secret phrase');
  cli(['user', 'add', 'dave', '--password-stdin'], 'd-has a long secret phrase');
  cli(['group', 'add', 'developers']);
  cli(['group', 'add', 'operators']);
  cli(['group', 'add-member', 'developers', 'alice']);
  cli(['group', 'add-member', 'operators', 'alice']);
  cli(['group', 'add-member', 'developers', 'carol']);
  cli(['group', 'add-member', 'developers', 'dave']);
  cli(['grant', 'add', '--group', 'developers', '--role-arn', DEV, '--provider-arn', DEV_PROVIDER, '--duration', '7200', '--label', 'Dev sandbox']);
  cli(['grant', 'add', '--group', 'operators', '--role-arn', OPS, '--provider-arn', OPS_PROVIDER, '--duration', '3600']);
  cli(['user', 'disable', 'carol']);
  const response = await fetch(`${idp.baseUrl}/saml/metadata`);
  assert.equal(response.status, 200);
  metadataXml = await response.text();
  certPem = certificateFromMetadata(metadataXml);
});

after(async () => {
  await idp?.stop();
});

describe('admin: the sesame command', () => {
  test('grant add refuses bad ARNs and durations with a clear message and a non-zero exit', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--role-arn', 'arn:aws:iam::12345:role/X', '--provider-arn', DEV_PROVIDER], /12 digits/],
      [['--role-arn', DEV, '--provider-arn', OPS_PROVIDER], /S7/],
      [['--role-arn', 'arn:aws:iam::111122223333:user/X', '--provider-arn', DEV_PROVIDER], /role\//],
      [['--role-arn', 'arn:aws:s3:::bucket', '--provider-arn', DEV_PROVIDER], /A1/],
      [['--role-arn', DEV, '--provider-arn', 'arn:aws:iam::111122223333:oidc-provider/x'], /saml-provider/],
      [['--role-arn', DEV, '--provider-arn', DEV_PROVIDER, '--duration', '899'], /900/],
      [['--role-arn', DEV, '--provider-arn', DEV_PROVIDER, '--duration', '43201'], /43200/],
      [['--role-arn', DEV, '--provider-arn', DEV_PROVIDER, '--duration', 'an hour'], /A3/],
    ];
    for (const [args, message] of cases) {
      const result = sesameCli(idp, ['grant', 'add', '--group', 'developers', ...args]);
      assert.notEqual(result.status, 0, `accepted: ${args.join(' ')}`);
      assert.match(result.stderr, message, `message for ${args.join(' ')}: ${result.stderr}`);
    }
    const missing = sesameCli(idp, ['grant', 'add', '--role-arn', DEV, '--provider-arn', DEV_PROVIDER]);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /--group is required/);
    const grants = JSON.parse(cli(['grant', 'list', '--json']).stdout) as unknown[];
    assert.equal(grants.length, 2, 'no refused grant was stored');
  });

  test('user add has no default password: a short one is refused and no user is created', () => {
    const result = sesameCli(idp, ['user', 'add', 'eve', '--password-stdin'], 'short');
    assert.equal(result.status, 2);
    assert.match(result.stderr, /at least 12 characters/);
    const users = JSON.parse(cli(['user', 'list', '--json']).stdout) as Array<{ username: string }>;
    assert.ok(!users.some((u) => u.username === 'eve'));
  });
});

describe('metadata an admin uploads to IAM (S4)', () => {
  test('S4: /saml/metadata is UTF-8 without BOM, over 1,000 characters, entityID and signing certificate of the running IdP', async () => {
    const raw = Buffer.from(await (await fetch(`${idp.baseUrl}/saml/metadata`)).arrayBuffer());
    assert.notDeepEqual([...raw.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.ok(metadataXml.length >= 1000, `metadata is only ${metadataXml.length} characters`);
    const root = parse(metadataXml).documentElement!;
    assert.equal(root.localName, 'EntityDescriptor');
    assert.equal(root.getAttribute('entityID'), `${idp.baseUrl}/saml/metadata`);
    assert.equal(root.hasAttribute('validUntil'), false, 'no short validUntil');
    const certOnDisk = fs.readFileSync(path.join(idp.dir, 'certs', 'signing-cert.pem'), 'utf8').replace(/-----[^-]+-----|\s/g, '');
    assert.equal(certPem.replace(/-----[^-]+-----|\s/g, ''), certOnDisk);
    const idpDescriptor = only(root, 'urn:oasis:names:tc:SAML:2.0:metadata', 'IDPSSODescriptor');
    const bindings = children(idpDescriptor, 'urn:oasis:names:tc:SAML:2.0:metadata', 'SingleSignOnService').map((s) => s.getAttribute('Binding'));
    assert.ok(bindings.includes('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST'), 'SSO over HTTP-POST');
    assert.ok(bindings.includes('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect'), 'SSO over HTTP-Redirect');
    const keyMode = fs.statSync(path.join(idp.dir, 'certs', 'signing-key.pem')).mode & 0o777;
    assert.equal(keyMode, 0o600, 'generated signing key is private');
    assert.ok(!idp.output().includes('PRIVATE KEY'), 'no key material in the log');
  });
});

describe('employee: browser sign-in and the portal', () => {
  test('sign-in regenerates the session, sets HttpOnly SameSite cookies, and the portal lists account, role and label', async () => {
    const browser = new BrowserSession(idp.baseUrl);
    await browser.get('/login');
    const before = browser.cookieValue('sesame.sid');
    assert.ok(before, 'the login page starts a session for its CSRF token');
    const login = await signIn(browser, 'alice', ALICE_PASSWORD);
    assert.equal(login.status, 303);
    assert.notEqual(browser.cookieValue('sesame.sid'), before, 'session id changes on sign-in (no fixation)');
    for (const header of browser.setCookieHeaders) {
      assert.match(header, /HttpOnly/i);
      assert.match(header, /SameSite=Lax/i);
    }
    const portal = await browser.get('/');
    assert.equal(portal.status, 200);
    for (const text of ['111122223333', 'Developer', 'Dev sandbox', '444455556666', '/ops/ReadOnly', 'Alice Liddell']) {
      assert.ok(portal.body.includes(text), `portal shows ${text}`);
    }
    assert.ok(portal.body.includes(`/aws/sso?role=${encodeURIComponent(DEV)}`));
  });

  test('an anonymous visitor is sent to the sign-in page and comes back to where they were going', async () => {
    const browser = new BrowserSession(idp.baseUrl);
    const first = await browser.get('/aws/sso');
    assert.equal(first.status, 303);
    assert.equal(first.headers.get('location'), '/login?next=%2Faws%2Fsso');
    const login = await signIn(browser, 'alice', ALICE_PASSWORD, '/aws/sso');
    assert.equal(login.headers.get('location'), '/aws/sso');
  });

  test('sign-out ends the session', async () => {
    const browser = new BrowserSession(idp.baseUrl);
    await signIn(browser, 'alice', ALICE_PASSWORD);
    const portal = await browser.get('/');
    const csrf = hiddenField(portal.body, '_csrf')!;
    const out = await browser.postForm('/logout', { _csrf: csrf });
    assert.equal(out.status, 303);
    const again = await browser.get('/aws/sso');
    assert.equal(again.status, 303, 'signed-out session cannot get an assertion');
    assert.match(again.headers.get('location') ?? '', /^\/login/);
  });
});

describe('employee: AWS console SSO, judged by independent SAML implementations', () => {
  let all: Awaited<ReturnType<typeof ssoAs>>;
  let xml: string;
  let response: Element;
  let assertion: Element;

  before(async () => {
    all = await ssoAs('alice', ALICE_PASSWORD, '/aws/sso');
    assert.equal(all.page.status, 200);
    assert.ok(all.samlResponse, 'the page carries a SAMLResponse field');
    xml = Buffer.from(all.samlResponse!, 'base64').toString('utf8');
    response = parse(xml).documentElement!;
    assertion = only(response, SAML, 'Assertion');
  });

  test('E1: the page is an auto-submitting POST form to the AWS sign-in endpoint, with a no-JS button', () => {
    assert.equal(all.action, AWS_ACS);
    assert.match(all.page.body, /<form id="saml-post" method="post"/);
    assert.match(all.page.body, /<button type="submit">/);
    assert.match(all.page.body, /<script src="\/assets\/autosubmit.js"/);
    assert.match(all.page.headers.get('content-security-policy') ?? '', /form-action https:\/\/signin\.aws\.amazon\.com/);
    assert.equal(all.page.headers.get('cache-control'), 'no-store');
    assert.match(all.samlResponse!, /^[A-Za-z0-9+/]+=*$/, 'standard base64, no line breaks (R5)');
    assert.ok(all.samlResponse!.length <= 100_000);
  });

  test('S1, S5: xmlsec1 verifies the Assertion and the Response signatures with the certificate from /saml/metadata', async () => {
    const assertionCheck = await verifyWithXmlsec1(xml, certPem, { node: 'Assertion' });
    assert.ok(assertionCheck.ok, assertionCheck.output);
    const responseCheck = await verifyWithXmlsec1(xml, certPem, { node: 'Response' });
    assert.ok(responseCheck.ok, responseCheck.output);
  });

  test('an assertion tampered after signing fails xmlsec1 (the check can fail)', async () => {
    const tampered = xml.replace('alice@example.com', 'alice@example.org');
    assert.notEqual(tampered, xml);
    assert.equal((await verifyWithXmlsec1(tampered, certPem, { node: 'Assertion' })).ok, false);
    assert.equal((await verifyWithXmlsec1(tampered, certPem, { node: 'Response' })).ok, false);
  });

  test('OneLogin python-saml, strict, as an SP whose ACS is the AWS sign-in URL, accepts the response', async () => {
    const result = await runOneLoginSp({ metadataXml, samlResponseB64: all.samlResponse!, acs: AWS_ACS, spEntityId: 'urn:amazon:webservices', wantMessagesSigned: true });
    assert.ok(result.valid, result.error ?? result.stderr);
    assert.deepEqual(result.attributes[ROLE_ATTR]!.sort(), [`${DEV},${DEV_PROVIDER}`, `${OPS},${OPS_PROVIDER}`].sort());
    assert.deepEqual(result.attributes[RSN_ATTR], ['alice@example.com']);
    assert.equal(result.nameIdFormat, 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
    assert.equal(result.destination, AWS_ACS);
  });

  test('OneLogin python-saml rejects the same response once tampered', async () => {
    const tampered = Buffer.from(xml.replace('alice@example.com', 'mallory@example.com')).toString('base64');
    const result = await runOneLoginSp({ metadataXml, samlResponseB64: tampered, acs: AWS_ACS, spEntityId: 'urn:amazon:webservices', wantMessagesSigned: true });
    assert.equal(result.valid, false);
  });

  test('pysaml2 as an SP accepts the response', async () => {
    const result = await runPysaml2Sp({ metadataXml, samlResponseB64: all.samlResponse!, acs: AWS_ACS, spEntityId: 'urn:amazon:webservices', wantMessagesSigned: true });
    assert.ok(result.valid, result.error ?? result.stderr);
    assert.deepEqual(result.attributes[RSN_ATTR], ['alice@example.com']);
  });

  test('@node-saml/node-saml as an SP accepts the response', async () => {
    const result = await runNodeSamlSp({ metadataXml, samlResponseB64: all.samlResponse!, acs: AWS_ACS, audience: 'urn:amazon:webservices', wantAuthnResponseSigned: true, acceptedClockSkewMs: 5000 });
    assert.ok(result.valid, result.error ?? 'invalid');
    assert.equal(result.profile?.nameIDFormat, 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
  });

  test('R1, R2, R4: one Response with Issuer = metadata entityID, Success status, one Assertion in schema order, one saml prefix', () => {
    const entityId = parse(metadataXml).documentElement!.getAttribute('entityID');
    assert.equal(response.namespaceURI, SAMLP);
    assert.equal(response.localName, 'Response');
    assert.equal(response.getAttribute('Version'), '2.0');
    assert.match(response.getAttribute('ID') ?? '', /^_[0-9a-f]{40}$/);
    assert.equal(only(response, SAML, 'Issuer').textContent, entityId);
    const status = only(only(response, SAMLP, 'Status'), SAMLP, 'StatusCode');
    assert.equal(status.getAttribute('Value'), 'urn:oasis:names:tc:SAML:2.0:status:Success');
    assert.equal(only(assertion, SAML, 'Issuer').textContent, entityId);
    const order = Array.from(assertion.childNodes).filter((n) => n.nodeType === 1).map((n) => (n as Element).localName);
    assert.deepEqual(order, ['Issuer', 'Signature', 'Subject', 'Conditions', 'AuthnStatement', 'AttributeStatement']);
    const prefixes = new Set<string>();
    const walk = (el: Element) => {
      if (el.namespaceURI === SAML) prefixes.add(el.prefix ?? '');
      for (const c of Array.from(el.childNodes)) if (c.nodeType === 1) walk(c as Element);
    };
    walk(assertion);
    assert.deepEqual([...prefixes], ['saml']);
  });

  test('E3, E5, E9, T1: Destination = Recipient = the AWS endpoint, one bearer SubjectConfirmation with NotOnOrAfter, no InResponseTo', () => {
    assert.equal(response.getAttribute('Destination'), AWS_ACS);
    assert.equal(response.hasAttribute('InResponseTo'), false);
    const subject = only(assertion, SAML, 'Subject');
    const confirmation = only(subject, SAML, 'SubjectConfirmation');
    assert.equal(confirmation.getAttribute('Method'), 'urn:oasis:names:tc:SAML:2.0:cm:bearer');
    const data = only(confirmation, SAML, 'SubjectConfirmationData');
    assert.equal(data.getAttribute('Recipient'), AWS_ACS);
    assert.ok(data.getAttribute('NotOnOrAfter'));
    assert.equal(data.hasAttribute('InResponseTo'), false);
  });

  test('E6: one Audience, urn:amazon:webservices', () => {
    const conditions = only(assertion, SAML, 'Conditions');
    const restriction = only(conditions, SAML, 'AudienceRestriction');
    assert.equal(only(restriction, SAML, 'Audience').textContent, 'urn:amazon:webservices');
  });

  test('T3, T4, T7: IssueInstant is now, NotBefore 60 s back, NotOnOrAfter 5 min ahead, all UTC with Z', () => {
    const issued = Date.parse(response.getAttribute('IssueInstant')!);
    assert.ok(Math.abs(Date.now() - issued) < 30_000, 'IssueInstant is now, not backdated');
    assert.equal(assertion.getAttribute('IssueInstant'), response.getAttribute('IssueInstant'));
    const conditions = only(assertion, SAML, 'Conditions');
    const data = only(only(only(assertion, SAML, 'Subject'), SAML, 'SubjectConfirmation'), SAML, 'SubjectConfirmationData');
    assert.equal(Date.parse(conditions.getAttribute('NotBefore')!), issued - 60_000);
    assert.equal(Date.parse(conditions.getAttribute('NotOnOrAfter')!), issued + 300_000);
    assert.equal(data.getAttribute('NotOnOrAfter'), conditions.getAttribute('NotOnOrAfter'));
    for (const value of [response.getAttribute('IssueInstant'), conditions.getAttribute('NotBefore'), data.getAttribute('NotOnOrAfter')]) {
      assert.match(value!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    }
  });

  test('N1, N2, R3: a persistent NameID, stable across sign-ins, that reveals nothing about the user', async () => {
    const nameId = only(only(assertion, SAML, 'Subject'), SAML, 'NameID');
    assert.equal(nameId.getAttribute('Format'), 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
    const value = nameId.textContent!;
    assert.ok(value.length >= 20);
    assert.ok(!/alice|liddell|example/i.test(value), 'NameID is opaque');
    const again = await ssoAs('alice', ALICE_PASSWORD, `/aws/sso?role=${encodeURIComponent(DEV)}`);
    const second = parse(Buffer.from(again.samlResponse!, 'base64').toString()).documentElement!;
    assert.equal(only(only(only(second, SAML, 'Assertion'), SAML, 'Subject'), SAML, 'NameID').textContent, value);
    const dave = await ssoAs('dave', 'd-has a long secret phrase', '/aws/sso');
    const daves = parse(Buffer.from(dave.samlResponse!, 'base64').toString()).documentElement!;
    assert.notEqual(only(only(only(daves, SAML, 'Assertion'), SAML, 'Subject'), SAML, 'NameID').textContent, value);
  });

  test('AuthnStatement carries AuthnInstant, SessionIndex and the password AuthnContextClassRef', () => {
    const statement = only(assertion, SAML, 'AuthnStatement');
    assert.ok(Date.parse(statement.getAttribute('AuthnInstant')!) <= Date.now());
    assert.match(statement.getAttribute('SessionIndex') ?? '', /^_[0-9a-f]{40}$/);
    const classRef = only(only(statement, SAML, 'AuthnContext'), SAML, 'AuthnContextClassRef').textContent;
    // Served over plain HTTP in this test, so Sesame must not claim PasswordProtectedTransport.
    assert.equal(classRef, 'urn:oasis:names:tc:SAML:2.0:ac:classes:Password');
  });

  test('A1, A8, E10: the Role attribute has one value per granted role, role ARN first, no spaces, uri NameFormat', () => {
    const roles = attributeValues(assertion, ROLE_ATTR)!;
    assert.deepEqual([...roles].sort(), [`${DEV},${DEV_PROVIDER}`, `${OPS},${OPS_PROVIDER}`].sort());
    for (const value of roles) assert.match(value, /^arn:aws:iam::\d{12}:role\/[^,\s]+,arn:aws:iam::\d{12}:saml-provider\/[^,\s]+$/);
    const statement = only(assertion, SAML, 'AttributeStatement');
    for (const attribute of children(statement, SAML, 'Attribute')) {
      assert.equal(attribute.getAttribute('NameFormat'), 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri');
    }
  });

  test('A2: RoleSessionName is derived from the user and within [A-Za-z0-9_+=,.@-]{2,64}', () => {
    assert.deepEqual(attributeValues(assertion, RSN_ATTR), ['alice@example.com']);
  });

  test('A3: SessionDuration is sent when grants carry one; with several, the smallest', () => {
    assert.deepEqual(attributeValues(assertion, DURATION_ATTR), ['3600']);
  });

  test('S2: RSA-SHA256, SHA-256 digests and exclusive C14N, referencing the signed element', () => {
    for (const [element, id] of [
      [assertion, assertion.getAttribute('ID')],
      [response, response.getAttribute('ID')],
    ] as const) {
      const signature = only(element, DS, 'Signature');
      const signedInfo = only(signature, DS, 'SignedInfo');
      assert.equal(only(signedInfo, DS, 'CanonicalizationMethod').getAttribute('Algorithm'), 'http://www.w3.org/2001/10/xml-exc-c14n#');
      assert.equal(only(signedInfo, DS, 'SignatureMethod').getAttribute('Algorithm'), 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
      const reference = only(signedInfo, DS, 'Reference');
      assert.equal(reference.getAttribute('URI'), `#${id}`);
      assert.equal(only(reference, DS, 'DigestMethod').getAttribute('Algorithm'), 'http://www.w3.org/2001/04/xmlenc#sha256');
    }
  });

  test('one role by ?role=, with a console deep link as RelayState (E8)', async () => {
    const one = await ssoAs('alice', ALICE_PASSWORD, `/aws/sso?role=${encodeURIComponent(OPS)}&relay=${encodeURIComponent('https://us-east-2.console.aws.amazon.com/ec2/home?region=us-east-2#Instances:')}`);
    assert.equal(one.page.status, 200);
    assert.equal(one.relayState, 'https://us-east-2.console.aws.amazon.com/ec2/home?region=us-east-2#Instances:');
    const doc = parse(Buffer.from(one.samlResponse!, 'base64').toString()).documentElement!;
    const oneAssertion = only(doc, SAML, 'Assertion');
    assert.deepEqual(attributeValues(oneAssertion, ROLE_ATTR), [`${OPS},${OPS_PROVIDER}`]);
    assert.deepEqual(attributeValues(oneAssertion, DURATION_ATTR), ['3600']);
    assert.ok((await verifyWithXmlsec1(doc.toString(), certPem, { node: 'Assertion' })).ok);
  });

  test('the audit log records the issued assertion: ID, SP, NameID and roles', () => {
    const entries = JSON.parse(cli(['audit', 'list', '--event', 'assertion.issued', '--limit', '100', '--json']).stdout) as Array<{ actor: string; details: Record<string, unknown> }>;
    const entry = entries.find((e) => e.details.assertionId === assertion.getAttribute('ID'));
    assert.ok(entry, 'assertion.issued entry for this assertion');
    assert.equal(entry.actor, 'alice');
    assert.equal(entry.details.sp, 'urn:amazon:webservices');
    assert.equal(entry.details.nameId, only(only(assertion, SAML, 'Subject'), SAML, 'NameID').textContent);
    assert.deepEqual((entry.details.roles as string[]).sort(), [`${DEV},${DEV_PROVIDER}`, `${OPS},${OPS_PROVIDER}`].sort());
  });
});

describe('negative: nothing is issued', () => {
  async function loginAttempt(username: string, password: string) {
    const browser = new BrowserSession(idp.baseUrl);
    const result = await signIn(browser, username, password);
    const sso = await browser.get('/aws/sso');
    return { result, sso };
  }

  test('wrong password and unknown user get the same 401 message and no session', async () => {
    const wrong = await loginAttempt('alice', 'not the password at all');
    const unknown = await loginAttempt('nobody-here', 'not the password at all');
    for (const attempt of [wrong, unknown]) {
      assert.equal(attempt.result.status, 401);
      assert.match(attempt.result.body, /Incorrect username or password\./);
      assert.equal(attempt.sso.status, 303, 'still anonymous');
      assert.ok(!attempt.sso.body.includes('SAMLResponse'));
    }
  });

  test('a disabled user is told so (only with the right password) and gets no assertion', async () => {
    const attempt = await loginAttempt('carol', 'c-has a long secret phrase');
    assert.equal(attempt.result.status, 403);
    assert.match(attempt.result.body, /disabled/);
    assert.equal(attempt.sso.status, 303);
    const wrong = await loginAttempt('carol', 'a wrong password here');
    assert.equal(wrong.result.status, 401);
  });

  test('a user without grants gets a 403 page, not an assertion', async () => {
    const bob = await ssoAs('bob', 'b0b-s long secret phrase', '/aws/sso');
    assert.equal(bob.page.status, 403);
    assert.equal(bob.samlResponse, null);
    assert.match(bob.page.body, /No AWS role is granted/);
  });

  test('a role the user was not granted gets a 403 page', async () => {
    const dave = await ssoAs('dave', 'd-has a long secret phrase', `/aws/sso?role=${encodeURIComponent(OPS)}`);
    assert.equal(dave.page.status, 403);
    assert.equal(dave.samlResponse, null);
  });

  test('E8: a relay URL that is not an AWS console URL is refused with 400', async () => {
    for (const relay of ['https://evil.example/', 'https://console.aws.amazon.com.evil.example/', 'javascript:alert(1)', 'http://console.aws.amazon.com/']) {
      const attempt = await ssoAs('alice', ALICE_PASSWORD, `/aws/sso?relay=${encodeURIComponent(relay)}`);
      assert.equal(attempt.page.status, 400, relay);
      assert.equal(attempt.samlResponse, null);
      assert.match(attempt.page.body, /E8/);
    }
  });

  test('a login post without the CSRF token is refused with 403', async () => {
    const browser = new BrowserSession(idp.baseUrl);
    await browser.get('/login');
    const post = await browser.postForm('/login', { username: 'alice', password: ALICE_PASSWORD });
    assert.equal(post.status, 403);
    assert.equal((await browser.get('/aws/sso')).status, 303);
    const forged = await browser.postForm('/login', { _csrf: 'forged', username: 'alice', password: ALICE_PASSWORD });
    assert.equal(forged.status, 403);
  });

  test('five wrong passwords lock the account for a while, even against the right password; other users are unaffected', async () => {
    cli(['user', 'add', 'frank', '--password-stdin'], 'f-has a long secret phrase');
    for (let i = 0; i < 5; i++) assert.equal((await loginAttempt('frank', `wrong password ${i}`)).result.status, 401);
    const locked = await loginAttempt('frank', 'f-has a long secret phrase');
    assert.equal(locked.result.status, 429);
    assert.match(locked.result.body, /Too many failed sign-ins/);
    assert.equal(locked.sso.status, 303);
    assert.equal((await loginAttempt('alice', ALICE_PASSWORD)).result.status, 303);
  });

  test('every failure is in the audit log, and no password is', () => {
    const entries = JSON.parse(cli(['audit', 'list', '--limit', '1000', '--json']).stdout) as Array<{ event: string; details: Record<string, unknown> }>;
    const reasons = new Set(entries.filter((e) => e.event === 'signin.failure').map((e) => e.details.reason));
    for (const reason of ['wrong_password', 'unknown_user', 'disabled', 'locked']) assert.ok(reasons.has(reason), `audited: ${reason}`);
    assert.ok(entries.some((e) => e.event === 'sso.denied'));
    const text = JSON.stringify(entries);
    for (const secret of [ALICE_PASSWORD, 'not the password at all', 'c-has a long secret phrase']) assert.ok(!text.includes(secret));
  });
});
