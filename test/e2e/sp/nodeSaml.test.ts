/**
 * User story (issue 4): a Node application using @node-saml/node-saml signs its users in through
 * Sesame — its own metadata registered as is, SP-initiated over both bindings with signed requests,
 * encrypted assertions, InResponseTo checked; launched from the Sesame portal (IdP-initiated); and
 * Single Logout both ways. Also: signed IdP metadata on request, verified by xmlsec1.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SAML, ValidateInResponseTo, type Profile } from '@node-saml/node-saml';
import { BrowserSession, hiddenField, signIn } from '../../helpers/browserSession';
import { generateTestKeyPair, type TestKeyPair } from '../../helpers/fixtureResponse';
import { startSesame, type SesameInstance, sesameCliOk } from '../../helpers/sesameProcess';
import { certificateFromMetadata } from '../../helpers/xmlsec';
import { decodeEntities } from '../../peers/simpleSamlPhp';
import { deliver, followToSp, samlForm } from './samlBrowser';

const SP_ID = 'https://node-app.sp.test/metadata';
const ACS = 'https://node-app.sp.test/acs';
const SLS = 'https://node-app.sp.test/sls';
const ALICE = { username: 'alice', password: 'correct horse battery staple' };

let idp: SesameInstance;
let idpMetadata: string;
let spKey: TestKeyPair;

const cli = (args: string[], stdin?: string) => sesameCliOk(idp, args, stdin);

function nodeSp(binding: 'HTTP-Redirect' | 'HTTP-POST', inResponseTo: ValidateInResponseTo = ValidateInResponseTo.always): SAML {
  return new SAML({
    entryPoint: `${idp.baseUrl}/saml/sso`,
    logoutUrl: `${idp.baseUrl}/saml/slo`,
    issuer: SP_ID,
    callbackUrl: ACS,
    logoutCallbackUrl: SLS,
    idpCert: certificateFromMetadata(idpMetadata),
    idpIssuer: `${idp.baseUrl}/saml/metadata`,
    audience: SP_ID,
    privateKey: spKey.privateKeyPem,
    publicCert: spKey.certPem,
    decryptionPvk: spKey.privateKeyPem,
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: true,
    // Sesame is on plain HTTP here, so it rightly never claims PasswordProtectedTransport.
    disableRequestedAuthnContext: true,
    validateInResponseTo: inResponseTo,
    authnRequestBinding: binding,
    acceptedClockSkewMs: 5000,
  });
}

before(async () => {
  idp = await startSesame({ SESAME_WORKERS: '1' });
  cli(['user', 'add', 'alice', '--email', 'alice@example.com', '--password-stdin'], ALICE.password);
  idpMetadata = await (await fetch(`${idp.baseUrl}/saml/metadata`)).text();
  spKey = generateTestKeyPair('node-saml-sp');
  const metadata = nodeSp('HTTP-Redirect').generateServiceProviderMetadata(spKey.certPem, spKey.certPem);
  const file = path.join(idp.dir, 'node-sp.xml');
  fs.writeFileSync(file, metadata);
  // node-saml's metadata and NameIDPolicy ask for emailAddress; Sesame gives e-mail only when the admin says so.
  cli(['sp', 'add', '--metadata', file, '--name', 'Node app', '--nameid', 'email', '--launch-relay-state', 'https://node-app.sp.test/home']);
});

after(async () => {
  await idp?.stop();
});

describe('@node-saml/node-saml as a service provider', () => {
  const browser = () => new BrowserSession(idp.baseUrl);
  let session: BrowserSession;
  let profile: Profile;

  test('SP-initiated, HTTP-Redirect, signed request: node-saml accepts the encrypted assertion with InResponseTo validation "always" and the e-mail NameID its metadata asks for', async () => {
    session = browser();
    const sp = nodeSp('HTTP-Redirect');
    const url = await sp.getAuthorizeUrlAsync('relay-1', undefined, {});
    assert.match(url, /&Signature=/);
    const flow = await followToSp(session, await deliver(session, { url }), ALICE);
    assert.equal(flow.form?.action, ACS);
    assert.match(Buffer.from(flow.form!.fields.SAMLResponse!, 'base64').toString(), /EncryptedAssertion/);
    const result = await sp.validatePostResponseAsync({ SAMLResponse: flow.form!.fields.SAMLResponse! });
    assert.ok(result.profile);
    profile = result.profile;
    // node-saml's NameIDPolicy asks for emailAddress, which the admin configured (`--nameid email`).
    assert.equal(profile.nameIDFormat, 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
    assert.equal(profile.nameID, 'alice@example.com');
    assert.equal(profile['urn:oid:0.9.2342.19200300100.1.3'], 'alice@example.com');
    assert.equal(flow.form!.fields.RelayState, 'relay-1');
  });

  test('SP-initiated, HTTP-POST binding (signed, cross-site without cookies): accepted; a second delivery of the same response is refused by node-saml', async () => {
    const sp = nodeSp('HTTP-POST');
    const html = await sp.getAuthorizeFormAsync('relay-2');
    const fields: Record<string, string> = {};
    for (const m of html.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) fields[m[1]!] = decodeEntities(m[2]!);
    const action = decodeEntities(/<form[^>]*action="([^"]+)"/.exec(html)![1]!);
    const flow = await followToSp(session, await deliver(session, { action, fields }));
    assert.equal(flow.loginsShown, 0);
    const result = await sp.validatePostResponseAsync({ SAMLResponse: flow.form!.fields.SAMLResponse! });
    assert.ok(result.profile);
    await assert.rejects(sp.validatePostResponseAsync({ SAMLResponse: flow.form!.fields.SAMLResponse! }), 'InResponseTo is consumed once');
  });

  test('IdP-initiated launch from the Sesame portal: /saml/apps lists the app, its button (a CSRF-protected POST to /saml/launch) posts an unsolicited response node-saml accepts, with the configured RelayState', async () => {
    const apps = await session.get('/saml/apps');
    assert.equal(apps.status, 200);
    assert.match(apps.body, /Node app/);
    const href = /<form method="post" action="(\/saml\/launch\/\d+)"/.exec(apps.body)![1]!;
    const page = await session.postForm(href, { _csrf: hiddenField(apps.body, '_csrf')! });
    const response = hiddenField(page.body, 'SAMLResponse')!;
    assert.equal(hiddenField(page.body, 'RelayState'), 'https://node-app.sp.test/home');
    const xml = Buffer.from(response, 'base64').toString();
    assert.ok(!xml.includes('InResponseTo'), 'unsolicited: no InResponseTo');
    const result = await nodeSp('HTTP-Redirect', ValidateInResponseTo.never).validatePostResponseAsync({ SAMLResponse: response });
    assert.ok(result.profile);
  });

  test('SP-initiated Single Logout: node-saml\'s signed LogoutRequest ends the session, and it validates Sesame\'s signed LogoutResponse', async () => {
    // node-saml looks for InResponseTo on a samlp:Response root only, so "always" would refuse any LogoutResponse.
    const sp = nodeSp('HTTP-Redirect', ValidateInResponseTo.ifPresent);
    const url = await sp.getLogoutUrlAsync(profile, 'bye', {});
    const answer = await deliver(session, { url });
    // node-saml's metadata offers an HTTP-POST SingleLogoutService only, so the answer is a signed POST.
    const form = samlForm(answer);
    assert.equal(form?.action, SLS);
    const verdict = await sp.validatePostResponseAsync({ SAMLResponse: form!.fields.SAMLResponse! });
    assert.equal(verdict.loggedOut, true);
    assert.equal(form!.fields.RelayState, 'bye');
    assert.equal((await session.get('/')).status, 303, 'signed out of Sesame');
  });

  test('IdP-initiated Single Logout: node-saml validates Sesame\'s signed LogoutRequest and its signed LogoutResponse is accepted', async () => {
    session = browser();
    assert.equal((await signIn(session, ALICE.username, ALICE.password)).status, 303);
    const sp = nodeSp('HTTP-Redirect');
    const flow = await followToSp(session, await deliver(session, { url: await sp.getAuthorizeUrlAsync('', undefined, {}) }));
    await sp.validatePostResponseAsync({ SAMLResponse: flow.form!.fields.SAMLResponse! });
    const portal = await session.get('/');
    const out = await session.postForm('/logout', { _csrf: hiddenField(portal.body, '_csrf')! });
    const toSp = samlForm(await session.get(out.headers.get('location')!));
    assert.equal(toSp?.action, SLS);
    const received = await sp.validatePostRequestAsync({ SAMLRequest: toSp!.fields.SAMLRequest! });
    assert.equal(received.loggedOut, true);
    assert.ok(received.profile);
    const responseUrl = await sp.getLogoutResponseUrlAsync(received.profile, toSp!.fields.RelayState ?? '', {}, true);
    const done = await deliver(session, { url: responseUrl });
    assert.equal(done.status, 200, done.body.slice(0, 300));
    assert.match(done.body, /Also signed out of/);
  });
});

describe('signed metadata on request', () => {
  test('/saml/metadata/signed carries an enveloped RSA-SHA256 signature over the EntityDescriptor that xmlsec1 verifies with the published certificate; a changed copy fails', async () => {
    const { execFileSync } = await import('node:child_process');
    const signed = await (await fetch(`${idp.baseUrl}/saml/metadata/signed`)).text();
    assert.match(signed, /<ds:Signature/);
    assert.match(signed, /SingleLogoutService/);
    const dir = fs.mkdtempSync(path.join(idp.dir, 'md-'));
    fs.writeFileSync(path.join(dir, 'cert.pem'), certificateFromMetadata(idpMetadata));
    const verify = (xml: string) => {
      fs.writeFileSync(path.join(dir, 'md.xml'), xml);
      try {
        execFileSync('xmlsec1', ['--verify', '--enabled-reference-uris', 'same-doc', '--enabled-key-data', 'raw-x509-cert', '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor', '--pubkey-cert-pem', path.join(dir, 'cert.pem'), path.join(dir, 'md.xml')], { stdio: 'pipe' });
        return true;
      } catch {
        return false;
      }
    };
    assert.equal(verify(signed), true);
    assert.equal(verify(signed.replace('/saml/slo', '/saml/sl0')), false);
  });
});
