/**
 * The STS emulator as a library (src/sts/stsEmulator.ts), driven by the AWS SDK for JavaScript
 * (@aws-sdk/client-sts) and raw Query calls signed by AWS's own SigV4 implementation: it answers in
 * AWS's shapes and codes, issues credentials it recognises, and refuses them after expiry.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AssumeRoleWithSAMLCommand, GetCallerIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { startStsEmulator, type StsEmulator } from '../../src/sts/stsEmulator';
import { buildIdpMetadata } from '../../src/saml/idpMetadata';
import { IDP_ENTITY_ID, makeSigningKey } from '../saml/samlTestKit';
import type { ResponseInput } from '../../src/saml/buildResponse';
import type { TestSigningKey } from '../saml/samlTestKit';
import { ADMIN_ROLE, b64, ruleKit, sesameResponse } from '../aws/rules/ruleKit';
import { queryCall, xmlField, type Credentials } from './awsSigner';

const ACCOUNT = '111122223333';
const ADMIN: Credentials = { accessKeyId: 'AKIAEMULATORADMIN001', secretAccessKey: 'emulator-admin-secret-0001' };
const STS_VERSION = { Version: '2011-06-15' };
const IAM_VERSION = { Version: '2010-05-08' };

// The emulator clock follows real time unless a test moves it: the SDK signs with the real clock.
let clock = Date.now();
/** A response issued at the emulator's current time. */
const fresh = (overrides: Partial<ResponseInput> = {}, key?: TestSigningKey) => sesameResponse({ now: new Date(clock), ...overrides }, key);
let emulator: StsEmulator;
let providerArn: string;
const logLines: string[] = [];

const sts = (credentials: Credentials = { accessKeyId: 'unused', secretAccessKey: 'unused' }) =>
  new STSClient({ region: 'us-east-1', endpoint: emulator.url, credentials, maxAttempts: 1 });

async function assumeAdmin(xml = fresh(), durationSeconds?: number) {
  return sts().send(new AssumeRoleWithSAMLCommand({ RoleArn: ADMIN_ROLE, PrincipalArn: providerArn, SAMLAssertion: b64(xml), DurationSeconds: durationSeconds }));
}

async function sdkError(run: () => Promise<unknown>): Promise<STSServiceException> {
  try {
    await run();
  } catch (error) {
    if (error instanceof STSServiceException) return error;
    throw error;
  }
  assert.fail('expected an STS error');
}

before(async () => {
  emulator = await startStsEmulator({ now: () => new Date(clock), adminCredentials: { ...ADMIN, accountId: ACCOUNT }, log: (line) => logLines.push(line) });
  providerArn = emulator.registerSamlProvider({ accountId: ACCOUNT, name: 'Sesame', metadataXml: ruleKit().metadataXml });
});

after(async () => {
  await emulator?.close();
});

describe('AssumeRoleWithSAML and GetCallerIdentity through @aws-sdk/client-sts', () => {
  test('an accepted assertion yields credentials, and GetCallerIdentity with them returns the assumed-role ARN', async () => {
    clock = Date.now();
    const out = await assumeAdmin();
    assert.equal(providerArn, `arn:aws:iam::${ACCOUNT}:saml-provider/Sesame`);
    assert.equal(out.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice`);
    assert.match(out.AssumedRoleUser?.AssumedRoleId ?? '', /^AROA[A-Z2-7]{17}:alice$/);
    assert.match(out.Credentials?.AccessKeyId ?? '', /^ASIA[A-Z2-7]{16}$/);
    assert.equal(out.Credentials?.Expiration?.toISOString(), new Date(Math.floor(clock / 1000) * 1000 + 3600_000).toISOString());
    assert.equal(out.Audience, 'https://signin.aws.amazon.com/saml');
    assert.equal(out.Issuer, IDP_ENTITY_ID);
    assert.equal(out.SubjectType, 'persistent');
    assert.match(out.NameQualifier ?? '', /^[A-Za-z0-9+/]{27}=$/);
    const credentials = { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
    const me = await sts(credentials).send(new GetCallerIdentityCommand({}));
    assert.equal(me.Arn, out.AssumedRoleUser?.Arn);
    assert.equal(me.Account, ACCOUNT);
    assert.equal(me.UserId, out.AssumedRoleUser?.AssumedRoleId);
  });

  test('ExpiredToken: the credentials are refused once the emulator clock passes their Expiration', async () => {
    clock = Date.now();
    const issuedAt = clock;
    const out = await assumeAdmin(fresh(), 900);
    const credentials = { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
    // The SDK signs with the real time; 14 minutes later on the emulator clock is inside the signing window.
    clock = Date.now() + 14 * 60_000;
    assert.equal((await sts(credentials).send(new GetCallerIdentityCommand({}))).Account, ACCOUNT, 'still valid while the clock is before Expiration');
    clock = issuedAt + 901_000;
    const refused = await queryCall(emulator.url, { Action: 'GetCallerIdentity', ...STS_VERSION }, credentials, { signingDate: new Date(clock) });
    assert.equal(refused.status, 403);
    assert.equal(xmlField(refused.body, 'Code'), 'ExpiredToken');
    assert.equal(xmlField(refused.body, 'Message'), 'The security token included in the request is expired');
    clock = Date.now();
  });

  test('refusals carry AWS codes and statuses the SDK maps to its exception classes', async () => {
    clock = Date.now();
    const denied = await sdkError(() => sts().send(new AssumeRoleWithSAMLCommand({ RoleArn: 'arn:aws:iam::111122223333:role/NotGranted', PrincipalArn: providerArn, SAMLAssertion: b64(fresh()) })));
    assert.equal(denied.name, 'AccessDenied');
    assert.equal(denied.$metadata.httpStatusCode, 403);
    assert.equal(denied.message, 'Not authorized to perform sts:AssumeRoleWithSAML');
    const issuedNow = fresh();
    const expired = await sdkError(() => {
      clock += 6 * 60_000;
      return assumeAdmin(issuedNow);
    });
    assert.equal(expired.name, 'ExpiredTokenException');
    assert.equal(expired.$metadata.httpStatusCode, 400);
    clock = Date.now();
    const tampered = await sdkError(() => assumeAdmin(fresh().replace('>alice<', '>mallory<')));
    assert.equal(tampered.name, 'InvalidIdentityTokenException', 'the SDK class of code InvalidIdentityToken');
    assert.equal(tampered.message, 'Response signature invalid');
    const long = await sdkError(() => assumeAdmin(fresh(), 7200));
    assert.equal(long.name, 'ValidationError');
    assert.match(long.message, /MaxSessionDuration/);
    const noProvider = await sdkError(() => sts().send(new AssumeRoleWithSAMLCommand({ RoleArn: ADMIN_ROLE, PrincipalArn: 'arn:aws:iam::111122223333:saml-provider/Nope', SAMLAssertion: b64(fresh()) })));
    assert.equal(noProvider.name, 'InvalidIdentityTokenException');
    assert.equal(noProvider.message, "Specified provider doesn't exist");
    assert.ok(logLines.some((l) => /AssumeRoleWithSAML 403 AccessDenied \[A1\] Role arn:aws:iam::111122223333:role\/NotGranted is not in/.test(l)), 'the log names the rule in plain words');
    assert.ok(!logLines.some((l) => l.includes('PHNhbWxw') || l.includes('SesameSts')), 'the log holds no assertion and no session token');
  });

  test('the answer is AWS-shaped XML with a RequestId; the rule behind a refusal is in x-sesame-rule', async () => {
    clock = Date.now();
    const params = { Action: 'AssumeRoleWithSAML', ...STS_VERSION, RoleArn: ADMIN_ROLE, PrincipalArn: providerArn };
    const wrongAudience = await queryCall(emulator.url, { ...params, SAMLAssertion: b64(fresh({ audience: 'urn:example:nope' })) }, null);
    assert.equal(wrongAudience.status, 400);
    assert.equal(wrongAudience.headers.get('content-type'), 'text/xml');
    assert.equal(wrongAudience.headers.get('x-sesame-rule'), 'E6');
    assert.match(wrongAudience.body, /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type><Code>InvalidIdentityToken<\/Code><Message>Response does not contain the required audience<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>/);
    // AWS's example also shows the parameters as a GET query string (Q1).
    const viaGet = await queryCall(emulator.url, { ...params, SAMLAssertion: b64(fresh()) }, null, { method: 'GET' });
    assert.equal(viaGet.status, 200);
    assert.match(viaGet.body, /^<AssumeRoleWithSAMLResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><AssumeRoleWithSAMLResult><Credentials><AccessKeyId>ASIA/);
    assert.match(viaGet.body, /<Expiration>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/Expiration>/);
  });

  test('malformed calls: unknown action or version, a repeated parameter, a missing one, a huge body', async () => {
    const unknown = await queryCall(emulator.url, { Action: 'AssumeRole', ...STS_VERSION }, null);
    assert.equal(xmlField(unknown.body, 'Code'), 'InvalidAction');
    const oldVersion = await queryCall(emulator.url, { Action: 'GetCallerIdentity', Version: '2010-05-08' }, ADMIN);
    assert.equal(xmlField(oldVersion.body, 'Code'), 'InvalidAction');
    const missing = await queryCall(emulator.url, { Action: 'AssumeRoleWithSAML', ...STS_VERSION, RoleArn: ADMIN_ROLE }, null);
    assert.equal(xmlField(missing.body, 'Code'), 'MissingParameter');
    const repeated = await fetch(emulator.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `Action=AssumeRoleWithSAML&Version=2011-06-15&RoleArn=${ADMIN_ROLE}&RoleArn=${ADMIN_ROLE}` });
    assert.equal(xmlField(await repeated.text(), 'Code'), 'ValidationError');
    const huge = await fetch(emulator.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'x'.repeat(2 * 1024 * 1024) }).catch(() => null);
    assert.ok(huge === null || huge.status === 413, 'a 2 MiB body is refused');
  });
});

describe('GetCallerIdentity signatures (SigV4, signed by @smithy/signature-v4)', () => {
  let credentials: Credentials;
  before(async () => {
    clock = Date.now();
    const out = await assumeAdmin();
    credentials = { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
    clock = Date.now();
  });

  test('header-signed POST, presigned GET and a regional signing scope are all accepted', async () => {
    for (const options of [{}, { presign: true }, { region: 'eu-central-1' }]) {
      const answer = await queryCall(emulator.url, { Action: 'GetCallerIdentity', ...STS_VERSION }, credentials, options);
      assert.equal(answer.status, 200, `${JSON.stringify(options)}: ${answer.body}`);
      assert.equal(xmlField(answer.body, 'Arn'), `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice`);
    }
  });

  test('unsigned → MissingAuthenticationToken; wrong secret or changed body → SignatureDoesNotMatch; another token → InvalidClientTokenId', async () => {
    const call = (c: Credentials | null, options = {}) => queryCall(emulator.url, { Action: 'GetCallerIdentity', ...STS_VERSION }, c, options);
    const cases: Array<[Promise<{ status: number; body: string }>, number, string]> = [
      [call(null), 403, 'MissingAuthenticationToken'],
      [call({ ...credentials, secretAccessKey: credentials.secretAccessKey.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) }), 403, 'SignatureDoesNotMatch'],
      [call(credentials, { tamperBody: (b: string) => b.replace('GetCallerIdentity', 'GetCallerIdentity&X=1') }), 403, 'SignatureDoesNotMatch'],
      [call({ ...credentials, sessionToken: 'forged-token' }), 403, 'InvalidClientTokenId'],
      [call({ accessKeyId: 'ASIAUNKNOWNKEY000000', secretAccessKey: 'x'.repeat(40) }), 403, 'InvalidClientTokenId'],
      [call(credentials, { service: 'iam' }), 403, 'SignatureDoesNotMatch'],
      [call(credentials, { signingDate: new Date(Date.now() - 20 * 60_000) }), 403, 'SignatureDoesNotMatch'],
    ];
    for (const [answer, status, code] of cases) {
      const { status: got, body } = await answer;
      assert.equal(got, status, body);
      assert.equal(xmlField(body, 'Code'), code);
    }
  });
});

describe('IAM SAML provider calls (S6), SigV4 with the admin key', () => {
  const iam = (params: Record<string, string>, credentials: Credentials | null = ADMIN) => queryCall(emulator.url, { ...params, ...IAM_VERSION }, credentials, { service: 'iam' });

  test('Create, Get, List, Update and Delete, in IAM shapes; a re-keyed IdP needs UpdateSAMLProvider', async () => {
    clock = Date.now();
    const created = await iam({ Action: 'CreateSAMLProvider', Name: 'Rotating', SAMLMetadataDocument: ruleKit().metadataXml, 'Tags.member.1.Key': 'team', 'Tags.member.1.Value': 'platform' });
    assert.equal(created.status, 200, created.body);
    const arn = xmlField(created.body, 'SAMLProviderArn')!;
    assert.equal(arn, `arn:aws:iam::${ACCOUNT}:saml-provider/Rotating`);
    assert.match(created.body, /^<CreateSAMLProviderResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/">/);
    const got = await iam({ Action: 'GetSAMLProvider', SAMLProviderArn: arn });
    assert.match(xmlField(got.body, 'SAMLProviderUUID')!, /^SAMLSP[A-Z0-9]{16}$/);
    assert.equal(xmlField(got.body, 'SAMLMetadataDocument'), ruleKit().metadataXml.replace(/\n$/, '\n'));
    assert.match(got.body, /<Tags><member><Key>team<\/Key><Value>platform<\/Value><\/member><\/Tags>/);
    const listed = await iam({ Action: 'ListSAMLProviders' });
    assert.equal((listed.body.match(/<Arn>/g) ?? []).length, 2);

    // The IdP rolls its key: responses signed with the new key fail until IAM gets the new metadata (S5).
    const newKey = makeSigningKey('rolled key');
    const newMetadata = buildIdpMetadata({ entityId: IDP_ENTITY_ID, signingCertificates: [newKey.certBase64], ssoUrl: 'https://sesame.example.org/saml/sso' });
    const assume = () => sts().send(new AssumeRoleWithSAMLCommand({ RoleArn: ADMIN_ROLE, PrincipalArn: arn, SAMLAssertion: b64(fresh({ attributes: [{ name: 'https://aws.amazon.com/SAML/Attributes/Role', values: [`${ADMIN_ROLE},${arn}`] }, { name: 'https://aws.amazon.com/SAML/Attributes/RoleSessionName', values: ['alice'] }] }, newKey)) }));
    assert.equal((await sdkError(assume)).message, 'Response signature invalid');
    const updated = await iam({ Action: 'UpdateSAMLProvider', SAMLProviderArn: arn, SAMLMetadataDocument: newMetadata });
    assert.equal(xmlField(updated.body, 'SAMLProviderArn'), arn);
    assert.equal((await assume()).AssumedRoleUser?.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice`);

    const deleted = await iam({ Action: 'DeleteSAMLProvider', SAMLProviderArn: arn });
    assert.match(deleted.body, /^<DeleteSAMLProviderResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><ResponseMetadata>/);
    const gone = await iam({ Action: 'GetSAMLProvider', SAMLProviderArn: arn });
    assert.equal(gone.status, 404);
    assert.equal(xmlField(gone.body, 'Code'), 'NoSuchEntity');
  });

  test('metadata IAM would refuse, a duplicate name, a bad name → InvalidInput, EntityAlreadyExists, ValidationError', async () => {
    clock = Date.now();
    const bad = await iam({ Action: 'CreateSAMLProvider', Name: 'Broken', SAMLMetadataDocument: '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>' });
    assert.equal(bad.status, 400);
    assert.equal(xmlField(bad.body, 'Code'), 'InvalidInput');
    assert.equal(xmlField(bad.body, 'Message'), 'Could not parse metadata');
    assert.equal(bad.headers.get('x-sesame-rule'), 'S4');
    const duplicate = await iam({ Action: 'CreateSAMLProvider', Name: 'Sesame', SAMLMetadataDocument: ruleKit().metadataXml });
    assert.equal(duplicate.status, 409);
    assert.equal(xmlField(duplicate.body, 'Code'), 'EntityAlreadyExists');
    const badName = await iam({ Action: 'CreateSAMLProvider', Name: 'has space', SAMLMetadataDocument: ruleKit().metadataXml });
    assert.equal(xmlField(badName.body, 'Code'), 'ValidationError');
  });

  test('IAM refuses unsigned calls and the temporary credentials of an assumed role', async () => {
    clock = Date.now();
    const out = await assumeAdmin();
    clock = Date.now();
    const unsigned = await iam({ Action: 'ListSAMLProviders' }, null);
    assert.equal(xmlField(unsigned.body, 'Code'), 'MissingAuthenticationToken');
    const session = await iam({ Action: 'ListSAMLProviders' }, { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! });
    assert.equal(session.status, 403);
    assert.equal(xmlField(session.body, 'Code'), 'AccessDenied');
  });
});

describe('roles and persistence', () => {
  test('registerRole: MaxSessionDuration and the SAML:aud condition apply; other roles of that account stop existing', async () => {
    const local = await startStsEmulator();
    try {
      const arn = local.registerSamlProvider({ accountId: ACCOUNT, name: 'Sesame', metadataXml: ruleKit().metadataXml });
      const client = new STSClient({ region: 'us-east-1', endpoint: local.url, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
      const call = (xml: string, duration?: number, role = ADMIN_ROLE) => client.send(new AssumeRoleWithSAMLCommand({ RoleArn: role, PrincipalArn: arn, SAMLAssertion: b64(xml), DurationSeconds: duration }));
      local.registerRole({ arn: ADMIN_ROLE, maxSessionDuration: 7200, samlAudCondition: 'https://us-east-2.signin.aws.amazon.com/saml' });
      assert.equal((await sdkError(() => call(fresh()))).name, 'AccessDenied', 'the global Recipient no longer matches SAML:aud');
      const regional = fresh({ destination: 'https://us-east-2.signin.aws.amazon.com/saml' });
      const out = await call(regional, 7200);
      assert.ok(Math.abs(out.Credentials!.Expiration!.getTime() - Date.now() - 7200_000) < 5_000, 'credentials for 7200 s');
      assert.equal((await sdkError(() => call(regional, 7201))).name, 'ValidationError');
      const other = 'arn:aws:iam::111122223333:role/Other';
      const otherXml = fresh({ destination: 'https://us-east-2.signin.aws.amazon.com/saml', attributes: [{ name: 'https://aws.amazon.com/SAML/Attributes/Role', values: [`${other},${arn}`] }, { name: 'https://aws.amazon.com/SAML/Attributes/RoleSessionName', values: ['alice'] }] });
      assert.equal((await sdkError(() => call(otherXml, undefined, other))).name, 'AccessDenied', 'an unregistered role of a registry account does not exist');
      assert.throws(() => local.registerSamlProvider({ accountId: ACCOUNT, name: 'Bad', metadataXml: 'nope' }), /S4/);
      assert.throws(() => local.registerSamlProvider({ accountId: ACCOUNT, name: 'Sesame', metadataXml: 'nope' }), /S4/);
      assert.ok(await call(regional, 3600), 'refused replacement metadata leaves the registered provider in place');
    } finally {
      await local.close();
    }
  });

  test('dataFile: providers and issued credentials survive a restart, in a file only the owner can read', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-sts-state-'));
    const dataFile = path.join(dir, 'sts.json');
    try {
      let local = await startStsEmulator({ dataFile });
      const arn = local.registerSamlProvider({ accountId: ACCOUNT, name: 'Sesame', metadataXml: ruleKit().metadataXml });
      const client = (url: string, c?: Credentials) => new STSClient({ region: 'us-east-1', endpoint: url, credentials: c ?? { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
      const out = await client(local.url).send(new AssumeRoleWithSAMLCommand({ RoleArn: ADMIN_ROLE, PrincipalArn: arn, SAMLAssertion: b64(fresh()) }));
      await local.close();
      assert.equal(fs.statSync(dataFile).mode & 0o777, 0o600);
      local = await startStsEmulator({ dataFile });
      const credentials = { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
      assert.equal((await client(local.url, credentials).send(new GetCallerIdentityCommand({}))).Arn, out.AssumedRoleUser?.Arn);
      const again = await client(local.url).send(new AssumeRoleWithSAMLCommand({ RoleArn: ADMIN_ROLE, PrincipalArn: arn, SAMLAssertion: b64(fresh()) }));
      assert.ok(again.Credentials?.AccessKeyId);
      await local.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
