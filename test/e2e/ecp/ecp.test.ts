/**
 * User story (issue 3): a desktop tool signs in through Sesame's SAML ECP endpoint, the way
 * saml2aws's "shibboleth-ecp" provider or pysaml2's ECP client do: a SOAP envelope holding an
 * AuthnRequest, HTTP Basic authentication, the PAOS headers a standard ECP sends, and back a SOAP
 * envelope with ecp:Response and the signed Response. The answer is judged by xmlsec1 (in the
 * envelope and alone), by pysaml2's ECP client, by the SP peers (pysaml2, python-saml) and by the
 * STS emulator through the real AWS CLI.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import { startSesame, type SesameInstance, sesameCliOk } from '../../helpers/sesameProcess';
import { certificateFromMetadata, verifyWithXmlsec1 } from '../../helpers/xmlsec';
import { runOneLoginSp, runPysaml2Sp, SYSTEM_PYTHON } from '../../helpers/peers';
import { repoRoot } from '../../helpers/repoRoot';
import { verifyInEnvelopeWithXmlsec1 } from '../../saml/ecpTestKit';
import { startStsEmulator, type StsEmulator } from '../../../src/sts/stsEmulator';
import { SqliteStore } from '../../../src/store/sqliteStore';
import { SqliteMfaStore } from '../../../src/store/sqliteMfaStore';
import { awsCli, currentTotpStep, totpFromPython } from '../desktop/desktopKit';

const SOAP = 'http://schemas.xmlsoap.org/soap/envelope/';
const ECP = 'urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp';
const AWS_ACS = 'https://signin.aws.amazon.com/saml';
const ROLE_ATTR = 'https://aws.amazon.com/SAML/Attributes/Role';
const DEV = 'arn:aws:iam::111122223333:role/Developer';
const DEV_PROVIDER = 'arn:aws:iam::111122223333:saml-provider/Sesame';
const OPS = 'arn:aws:iam::111122223333:role/Operator';
const ALICE_PASSWORD = 'correct horse battery staple';
const ERIN_PASSWORD = 'has a comma, and a second factor';
const TOTP_SECRET = 'KRSXG5CTMVRXEZLUKN2XAZLSONSWC4TF';
/** What a standard ECP client sends (saml-ecp-v2.0 §2.3.1, Liberty PAOS). */
const PAOS_HEADERS = { accept: 'text/html; application/vnd.paos+xml', paos: 'ver="urn:liberty:paos:2003-08";"urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp"' };

let idp: SesameInstance;
let sts: StsEmulator;
let metadataXml: string;
let certPem: string;
let work: string;

const cli = (args: string[], stdin?: string) => sesameCliOk(idp, args, stdin);

/** The envelope saml2aws's shibboleth-ecp provider sends (indented Issuer, saml2 prefixes, RFC 3339 time). */
function authnRequestEnvelope(options: { issuer?: string; acs?: string | null; extraHeader?: string; issueInstant?: string } = {}): string {
  const acs = options.acs === undefined ? AWS_ACS : options.acs;
  return (
    `<S:Envelope xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:S="${SOAP}">` +
    (options.extraHeader ? `<S:Header>${options.extraHeader}</S:Header>` : '') +
    `\n  <S:Body>\n    <saml2p:AuthnRequest ID="${crypto.randomUUID()}" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:PAOS"` +
    (acs === null ? '' : ` AssertionConsumerServiceURL="${acs}"`) +
    ` IssueInstant="${options.issueInstant ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z')}" Version="2.0">\n` +
    `      <saml2:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">\n        ${options.issuer ?? 'urn:amazon:webservices'}\n      </saml2:Issuer>\n` +
    `    </saml2p:AuthnRequest>\n  </S:Body>\n</S:Envelope>`
  );
}

async function postEcp(body: string, options: { user?: string; password?: string; headers?: Record<string, string>; method?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': 'text/xml; charset=utf-8', ...PAOS_HEADERS, ...(options.headers ?? {}) };
  if (options.user !== undefined) headers.authorization = 'Basic ' + Buffer.from(`${options.user}:${options.password ?? ''}`).toString('base64');
  const response = await fetch(`${idp.baseUrl}/saml/ecp`, { method: options.method ?? 'POST', headers, body: options.method === 'GET' ? undefined : body });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

function parse(xml: string): Document {
  const fail = (m: string) => {
    throw new Error(m);
  };
  return new DOMParser({ errorHandler: { warning: fail, error: fail, fatalError: fail } }).parseFromString(xml, 'text/xml') as unknown as Document;
}

function faultOf(xml: string): { code: string; message: string } {
  const doc = parse(xml);
  assert.equal(doc.documentElement.namespaceURI, SOAP);
  return { code: doc.getElementsByTagName('faultcode')[0]!.textContent!, message: doc.getElementsByTagName('faultstring')[0]!.textContent! };
}

/** The samlp:Response inside the envelope, exactly as sent. */
function responseBytes(envelope: string): string {
  return envelope.slice(envelope.indexOf('<samlp:Response '), envelope.lastIndexOf('</S:Body>'));
}

function runPythonEcpClient(user: string, password: string): Promise<Record<string, unknown>> {
  const metadataFile = path.join(work, 'idp-metadata.xml');
  fs.writeFileSync(metadataFile, metadataXml);
  const script = path.join(repoRoot(), 'test', 'e2e', 'ecp', 'pysaml2_ecp_client.py');
  return new Promise((resolve) => {
    execFile(SYSTEM_PYTHON, [script, '--metadata', metadataFile, '--user', user], { env: { PATH: process.env.PATH, ECP_PASSWORD: password }, timeout: 60_000 }, (_error, stdout, stderr) => {
      try {
        resolve(JSON.parse(stdout) as Record<string, unknown>);
      } catch {
        resolve({ valid: false, error: `no JSON from the pysaml2 ECP client: ${stdout}\n${stderr}` });
      }
    });
  });
}

before(async () => {
  idp = await startSesame({ SESAME_WORKERS: '1' });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-ecp-'));
  cli(['user', 'add', 'alice', '--email', 'alice@example.com', '--password-stdin'], ALICE_PASSWORD);
  cli(['user', 'add', 'carol', '--password-stdin'], 'nothing granted to this one');
  cli(['user', 'add', 'erin', '--email', 'erin@example.com', '--password-stdin'], ERIN_PASSWORD);
  cli(['group', 'add', 'developers']);
  cli(['group', 'add-member', 'developers', 'alice']);
  cli(['group', 'add-member', 'developers', 'erin']);
  cli(['grant', 'add', '--group', 'developers', '--role-arn', DEV, '--provider-arn', DEV_PROVIDER, '--label', 'Dev']);
  cli(['grant', 'add', '--group', 'developers', '--role-arn', OPS, '--provider-arn', DEV_PROVIDER]);
  const store = SqliteStore.open(idp.env.SESAME_DATA_DIR!);
  try {
    await new SqliteMfaStore(store.db).enrolTotp((await store.findUserByUsername('erin'))!.id, TOTP_SECRET, []);
  } finally {
    await store.close();
  }
  metadataXml = await (await fetch(`${idp.baseUrl}/saml/metadata`)).text();
  certPem = certificateFromMetadata(metadataXml);
  sts = await startStsEmulator();
  sts.registerSamlProvider({ accountId: '111122223333', name: 'Sesame', metadataXml });
});

after(async () => {
  await sts?.close();
  await idp?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('ECP: advertised in the metadata', () => {
  test('the IDPSSODescriptor has a SingleSignOnService with the SOAP binding at /saml/ecp', () => {
    const doc = parse(metadataXml);
    const services = Array.from(doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:metadata', 'SingleSignOnService'));
    const soap = services.filter((s) => s.getAttribute('Binding') === 'urn:oasis:names:tc:SAML:2.0:bindings:SOAP');
    assert.equal(soap.length, 1);
    assert.equal(soap[0]!.getAttribute('Location'), `${idp.baseUrl}/saml/ecp`);
  });
});

describe('ECP: a standard ECP round trip', () => {
  let envelope: string;
  before(async () => {
    const response = await postEcp(authnRequestEnvelope(), { user: 'alice', password: ALICE_PASSWORD });
    assert.equal(response.status, 200, response.body);
    assert.match(response.headers.get('content-type') ?? '', /^text\/xml/);
    assert.equal(response.headers.get('set-cookie'), null, 'no session cookie');
    envelope = response.body;
  });

  test('PAOS headers, SOAP AuthnRequest and Basic auth → SOAP envelope with ecp:Response (ACS, mustUnderstand, actor next) and a samlp:Response', () => {
    const doc = parse(envelope);
    const [header, body] = Array.from(doc.documentElement.childNodes).filter((n) => n.nodeType === 1) as Element[];
    assert.equal(header!.localName, 'Header');
    const ecp = Array.from(header!.childNodes).find((n) => n.nodeType === 1) as Element;
    assert.equal(ecp.namespaceURI, ECP);
    assert.equal(ecp.localName, 'Response');
    assert.equal(ecp.getAttribute('AssertionConsumerServiceURL'), AWS_ACS);
    assert.equal(ecp.getAttributeNS(SOAP, 'mustUnderstand'), '1');
    assert.equal(ecp.getAttributeNS(SOAP, 'actor'), 'http://schemas.xmlsoap.org/soap/actor/next');
    const response = Array.from(body!.childNodes).find((n) => n.nodeType === 1) as Element;
    assert.equal(response.localName, 'Response');
    assert.equal(response.getAttribute('Destination'), AWS_ACS);
  });

  test('xmlsec1 verifies the Assertion and Response signatures, in the envelope and alone', async () => {
    for (const which of ['Assertion', 'Response'] as const) {
      const inside = await verifyInEnvelopeWithXmlsec1(envelope, certPem, which);
      assert.ok(inside.ok, inside.output);
      const alone = await verifyWithXmlsec1(responseBytes(envelope), certPem, { node: which });
      assert.ok(alone.ok, alone.output);
    }
    const tampered = envelope.replace(`${DEV},${DEV_PROVIDER}`, `arn:aws:iam::111122223333:role/Admin,${DEV_PROVIDER}`);
    assert.notEqual(tampered, envelope);
    assert.equal((await verifyInEnvelopeWithXmlsec1(tampered, certPem, 'Assertion')).ok, false, 'the check can fail');
  });

  test('the SP peers (pysaml2, python-saml strict) accept the Response as the AWS SP', async () => {
    const samlResponseB64 = Buffer.from(responseBytes(envelope), 'utf8').toString('base64');
    for (const peer of [runPysaml2Sp, runOneLoginSp]) {
      const verdict = await peer({ metadataXml, samlResponseB64 });
      assert.equal(verdict.valid, true, `${verdict.peer}: ${verdict.error} ${verdict.stderr}`);
      assert.deepEqual(verdict.attributes[ROLE_ATTR]?.sort(), [`${DEV},${DEV_PROVIDER}`, `${OPS},${DEV_PROVIDER}`].sort());
    }
  });

  test('pysaml2\'s ECP client finds the endpoint in the metadata, signs in with Basic auth and accepts the ecp:Response', async () => {
    const result = await runPythonEcpClient('alice', ALICE_PASSWORD);
    assert.equal(result.valid, true, JSON.stringify(result));
    assert.equal(result.ecpEndpoint, `${idp.baseUrl}/saml/ecp`);
    assert.equal(result.ecpResponseAcs, AWS_ACS);
    const verdict = await runPysaml2Sp({ metadataXml, samlResponseB64: result.samlResponse as string });
    assert.equal(verdict.valid, true, `${verdict.error}`);
    const wrong = await runPythonEcpClient('alice', 'not the password');
    assert.equal(wrong.valid, false);
    assert.match(String(wrong.error), /401/);
    assert.match(String(wrong.error), /Incorrect username or password/);
  });

  test('the ECP assertion gets AWS credentials: aws sts assume-role-with-saml against the STS emulator', async () => {
    const file = path.join(work, 'ecp-assertion.b64');
    fs.writeFileSync(file, Buffer.from(responseBytes(envelope), 'utf8').toString('base64'));
    const result = await awsCli(
      ['sts', 'assume-role-with-saml', '--role-arn', DEV, '--principal-arn', DEV_PROVIDER, '--saml-assertion', `file://${file}`, '--endpoint-url', sts.url, '--region', 'us-east-1', '--output', 'json'],
      { PATH: process.env.PATH, HOME: work, AWS_CONFIG_FILE: path.join(work, 'none'), AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'none'), AWS_EC2_METADATA_DISABLED: 'true' },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { AssumedRoleUser: { Arn: string } }).AssumedRoleUser.Arn, 'arn:aws:sts::111122223333:assumed-role/Developer/alice@example.com');
  });

  test('a second factor: the code after the last "," in the password, or in X-Sesame-OTP; without it, 401', async () => {
    const missing = await postEcp(authnRequestEnvelope(), { user: 'erin', password: ERIN_PASSWORD });
    assert.equal(missing.status, 401);
    assert.match(faultOf(missing.body).message, /one-time code: append it to the password after ","/);
    const step = currentTotpStep();
    const appended = await postEcp(authnRequestEnvelope(), { user: 'erin', password: `${ERIN_PASSWORD},${await totpFromPython(TOTP_SECRET, step)}` });
    assert.equal(appended.status, 200, appended.body);
    assert.ok(appended.body.includes('https://refeds.org/profile/mfa'), 'the assertion says a second factor was used');
    const header = await postEcp(authnRequestEnvelope(), { user: 'erin', password: ERIN_PASSWORD, headers: { 'x-sesame-otp': await totpFromPython(TOTP_SECRET, step + 1) } });
    assert.equal(header.status, 200, header.body);
    const replay = await postEcp(authnRequestEnvelope(), { user: 'erin', password: ERIN_PASSWORD, headers: { 'x-sesame-otp': await totpFromPython(TOTP_SECRET, step + 1) } });
    assert.equal(replay.status, 401, 'a used code is refused');
  });
});

describe('ECP: refusals are SOAP faults with the right HTTP status, audited, and issue nothing', () => {
  test('authentication: wrong password and no credentials → 401 with a Basic challenge; unknown user answers the same', async () => {
    const before = Number(JSON.parse(cli(['audit', 'list', '--event', 'assertion.issued', '--limit', '10000', '--json'])).length);
    const wrong = await postEcp(authnRequestEnvelope(), { user: 'alice', password: 'wrong password here' });
    const unknown = await postEcp(authnRequestEnvelope(), { user: 'nobody', password: 'wrong password here' });
    const none = await postEcp(authnRequestEnvelope());
    for (const response of [wrong, unknown, none]) {
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('www-authenticate'), 'Basic realm="Sesame", charset="UTF-8"');
      assert.equal(faultOf(response.body).code, 'S:Client');
    }
    assert.equal(faultOf(wrong.body).message, faultOf(unknown.body).message);
    assert.equal(faultOf(wrong.body).message, 'Incorrect username or password.');
    const after = Number(JSON.parse(cli(['audit', 'list', '--event', 'assertion.issued', '--limit', '10000', '--json'])).length);
    assert.equal(after, before);
  });

  test('request problems: DOCTYPE, SOAP 1.2, mandatory header, unknown SP, foreign ACS, stale request, wrong media type, GET, oversized', async () => {
    const user = { user: 'alice', password: ALICE_PASSWORD };
    const cases: Array<[string, Promise<{ status: number; body: string; headers: Headers }>, number, string, RegExp]> = [
      ['DOCTYPE', postEcp(`<!DOCTYPE x [<!ENTITY e "urn:amazon:webservices">]>` + authnRequestEnvelope({ issuer: '&e;' }), user), 500, 'S:Client', /DOCTYPE/],
      ['SOAP 1.2', postEcp(authnRequestEnvelope().replace(SOAP, 'http://www.w3.org/2003/05/soap-envelope'), user), 500, 'S:VersionMismatch', /SOAP 1\.1/],
      ['paos:Request header left in', postEcp(authnRequestEnvelope({ extraHeader: `<paos:Request xmlns:paos="urn:liberty:paos:2003-08" S:mustUnderstand="1" S:actor="http://schemas.xmlsoap.org/soap/actor/next" responseConsumerURL="${AWS_ACS}" service="${ECP}"/>` }), user), 500, 'S:MustUnderstand', /paos:Request/],
      ['unknown SP', postEcp(authnRequestEnvelope({ issuer: 'https://sp.example.org/shibboleth' }), user), 403, 'S:Client', /unknown service provider/],
      ['foreign ACS', postEcp(authnRequestEnvelope({ acs: 'https://evil.example/acs' }), user), 403, 'S:Client', /E3: AssertionConsumerServiceURL is "https:\/\/evil\.example\/acs"/],
      ['stale request', postEcp(authnRequestEnvelope({ issueInstant: '2020-01-01T00:00:00Z' }), user), 500, 'S:Client', /IssueInstant/],
      ['form post', postEcp('SAMLRequest=x', { ...user, headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'S:Client', /text\/xml/],
      ['GET', postEcp('', { ...user, method: 'GET' }), 405, 'S:Client', /POST/],
      ['oversized', postEcp(authnRequestEnvelope() + ' '.repeat(40 * 1024), user), 413, 'S:Client', /larger than 32768 bytes/],
    ];
    for (const [name, pending, status, code, message] of cases) {
      const response = await pending;
      assert.equal(response.status, status, `${name}: ${response.body}`);
      assert.match(response.headers.get('content-type') ?? '', /^text\/xml/, name);
      const fault = faultOf(response.body);
      assert.equal(fault.code, code, name);
      assert.match(fault.message, message, name);
      assert.ok(!response.body.includes('<saml:Assertion'), `${name}: nothing issued`);
    }
    const refused = JSON.parse(cli(['audit', 'list', '--event', 'ecp.request.refused', '--limit', '1000', '--json'])) as Array<{ details: { reason: string } }>;
    assert.ok(refused.length >= cases.length);
  });

  test('a user without AWS roles: 403 fault, nothing issued', async () => {
    const response = await postEcp(authnRequestEnvelope(), { user: 'carol', password: 'nothing granted to this one' });
    assert.equal(response.status, 403);
    assert.match(faultOf(response.body).message, /No AWS role is granted/);
  });

  test('passwords and codes never reach the audit log or the server output', () => {
    const audit = cli(['audit', 'list', '--limit', '10000', '--json']);
    for (const secret of [ALICE_PASSWORD, ERIN_PASSWORD, 'wrong password here']) {
      assert.ok(!audit.includes(secret), `audit contains "${secret}"`);
      assert.ok(!idp.output().includes(secret), `server output contains "${secret}"`);
    }
    assert.ok(audit.includes('"event": "ecp.response.issued"'));
  });
});
