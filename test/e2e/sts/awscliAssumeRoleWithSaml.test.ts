/**
 * User story (issue 3, item 3): the IdP and the STS emulator run on loopback; an admin registers
 * Sesame's metadata with the real AWS CLI (Debian awscli, botocore's SigV4); an engineer redeems an
 * assertion from the IdP with `aws sts assume-role-with-saml` and uses the credentials with
 * `aws sts get-caller-identity`. Each way an assertion goes wrong gets AWS's error code, through the
 * same client — a client nobody here wrote.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startStsEmulator, type StsEmulator } from '../../../src/sts/stsEmulator';
import { nameQualifier } from '../../../src/aws/rules';
import { repoRoot } from '../../helpers/repoRoot';
import { NS_SAML, only, resign } from '../../aws/rules/ruleKit';
import { ACCOUNT, ALICE, AUDITOR, DEVELOPER, OPERATOR, PROVIDER_ARN, assertionFor, decode, encode, startIdpWithGrants, type IdpFixture } from './idpFixture';

const AWS_CLI = '/usr/bin/aws';
const ADMIN = { accessKeyId: 'AKIASESAMEADMIN00001', secretAccessKey: 'sesame-emulator-admin-secret', accountId: ACCOUNT };

let fixture: IdpFixture;
let emulator: StsEmulator;
let clockOffsetMs = 0;
let dir: string;
let baseEnv: NodeJS.ProcessEnv;

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real AWS CLI against the emulator, asynchronously (the emulator shares this event loop). */
function aws(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(AWS_CLI, [...args, '--endpoint-url', emulator.url, '--output', 'json'], { env: { ...baseEnv, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

function assertionFile(name: string, samlResponse: string): string {
  const file = path.join(dir, `${name}.b64`);
  fs.writeFileSync(file, samlResponse);
  return file;
}

function assumeRole(samlResponse: string, roleArn = DEVELOPER, extra: string[] = []): Promise<CliRun> {
  return aws(['sts', 'assume-role-with-saml', '--role-arn', roleArn, '--principal-arn', PROVIDER_ARN, '--saml-assertion', `file://${assertionFile(`assertion-${Date.now()}`, samlResponse)}`, ...extra]);
}

/** The awscli reports service errors as "An error occurred (Code) when calling the X operation: Message" and exits 254. */
function assertAwsError(run: CliRun, code: string, message?: RegExp): void {
  assert.equal(run.code, 254, `expected a service error, got exit ${run.code}: ${run.stdout}${run.stderr}`);
  assert.match(run.stderr, new RegExp(`An error occurred \\(${code}\\) when calling the \\w+ operation`), run.stderr);
  if (message) assert.match(run.stderr, message);
}

/** The IdP's response with one value changed and signed again with the IdP's key: a misconfigured IdP. */
function misconfigured(samlResponse: string, mutate: (doc: Document) => void): string {
  return encode(resign(decode(samlResponse), fixture.signingKeyPem, mutate));
}

before(async () => {
  fixture = await startIdpWithGrants();
  emulator = await startStsEmulator({ now: () => new Date(Date.now() + clockOffsetMs), adminCredentials: ADMIN });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-awscli-'));
  fs.writeFileSync(path.join(dir, 'config'), '[default]\nregion = us-east-1\n');
  fs.writeFileSync(path.join(dir, 'credentials'), '');
  baseEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_CONFIG_FILE: path.join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
  };
});

after(async () => {
  await emulator?.close();
  await fixture?.idp.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('admin: registering Sesame in IAM with the AWS CLI', () => {
  test('S4, S6: aws iam create-saml-provider with /saml/metadata, then get-saml-provider', async () => {
    const metadataFile = path.join(dir, 'sesame-idp-metadata.xml');
    fs.writeFileSync(metadataFile, fixture.metadataXml);
    const admin = { AWS_ACCESS_KEY_ID: ADMIN.accessKeyId, AWS_SECRET_ACCESS_KEY: ADMIN.secretAccessKey };
    const created = await aws(['iam', 'create-saml-provider', '--name', 'Sesame', '--saml-metadata-document', `file://${metadataFile}`], admin);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(JSON.parse(created.stdout).SAMLProviderArn, PROVIDER_ARN);
    const got = await aws(['iam', 'get-saml-provider', '--saml-provider-arn', PROVIDER_ARN], admin);
    assert.equal(got.code, 0, got.stderr);
    // awscli 2.9's model predates SAMLProviderUUID (2025), so it drops that field; test/sts checks it.
    const provider = JSON.parse(got.stdout) as { SAMLMetadataDocument: string; ValidUntil: string; CreateDate: string };
    assert.equal(provider.SAMLMetadataDocument, fixture.metadataXml);
    const years = (Date.parse(provider.ValidUntil) - Date.parse(provider.CreateDate)) / (365.25 * 24 * 3600 * 1000);
    assert.ok(Math.abs(years - 100) < 0.01, 'without validUntil in the metadata, IAM sets 100 years (S4)');
    const anonymous = await aws(['iam', 'list-saml-providers'], { AWS_ACCESS_KEY_ID: 'AKIANOTANADMINKEY000', AWS_SECRET_ACCESS_KEY: 'not-the-admin-secret' });
    assertAwsError(anonymous, 'InvalidClientTokenId');
  });
});

describe('engineer: AssumeRoleWithSAML with the AWS CLI', () => {
  let credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string };

  test('aws sts assume-role-with-saml with an assertion from the IdP succeeds, with AWS\'s response fields', async () => {
    clockOffsetMs = 0;
    const run = await assumeRole(await assertionFor(fixture.idp, DEVELOPER));
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.AssumedRoleUser.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/Developer/${ALICE.email}`);
    assert.equal(out.Audience, 'https://signin.aws.amazon.com/saml');
    assert.equal(out.Issuer, `${fixture.idp.baseUrl}/saml/metadata`);
    assert.equal(out.SubjectType, 'persistent');
    assert.equal(out.NameQualifier, nameQualifier(out.Issuer, ACCOUNT, 'Sesame'));
    credentials = out.Credentials;
    assert.match(credentials.AccessKeyId, /^ASIA/);
    const lifetime = Date.parse(credentials.Expiration) - Date.now();
    assert.ok(lifetime > 3500_000 && lifetime <= 3600_000, `credentials for an hour (SessionDuration 3600), got ${lifetime} ms`);
  });

  test('aws sts get-caller-identity with those credentials in the environment returns the assumed-role ARN', async () => {
    const run = await aws(['sts', 'get-caller-identity'], { AWS_ACCESS_KEY_ID: credentials.AccessKeyId, AWS_SECRET_ACCESS_KEY: credentials.SecretAccessKey, AWS_SESSION_TOKEN: credentials.SessionToken });
    assert.equal(run.code, 0, run.stderr);
    const me = JSON.parse(run.stdout);
    assert.equal(me.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/Developer/${ALICE.email}`);
    assert.equal(me.Account, ACCOUNT);
  });

  test('A3/T6: DurationSeconds above the SessionDuration is granted only SessionDuration (900 s for Auditor)', async () => {
    const run = await assumeRole(await assertionFor(fixture.idp, AUDITOR), AUDITOR, ['--duration-seconds', '3600']);
    assert.equal(run.code, 0, run.stderr);
    const lifetime = Date.parse(JSON.parse(run.stdout).Credentials.Expiration) - Date.now();
    assert.ok(lifetime > 800_000 && lifetime <= 900_000, `capped at 900 s, got ${lifetime} ms`);
  });

  test('ExpiredToken: get-caller-identity is refused once the credentials have expired', async () => {
    clockOffsetMs = 3601_000;
    try {
      const run = await aws(['sts', 'get-caller-identity'], { AWS_ACCESS_KEY_ID: credentials.AccessKeyId, AWS_SECRET_ACCESS_KEY: credentials.SecretAccessKey, AWS_SESSION_TOKEN: credentials.SessionToken });
      assertAwsError(run, 'ExpiredToken', /The security token included in the request is expired/);
    } finally {
      clockOffsetMs = 0;
    }
  });
});

describe('negative: each broken assertion gets AWS\'s error code, and no credentials', () => {
  test('T2: an expired assertion → ExpiredTokenException "Response has expired"', async () => {
    const samlResponse = await assertionFor(fixture.idp, DEVELOPER);
    clockOffsetMs = 5 * 60_000 + 1_000;
    try {
      assertAwsError(await assumeRole(samlResponse), 'ExpiredTokenException', /Response has expired/);
    } finally {
      clockOffsetMs = 0;
    }
  });

  test('S1: a tampered assertion → InvalidIdentityToken "Response signature invalid"', async () => {
    const xml = decode(await assertionFor(fixture.idp, DEVELOPER));
    const tampered = xml.replace(`>${ALICE.email}<`, '>admin@example.com<');
    assert.notEqual(tampered, xml);
    assertAwsError(await assumeRole(encode(tampered)), 'InvalidIdentityToken', /Response signature invalid/);
  });

  test('E6: the audience wrong → InvalidIdentityToken "Response does not contain the required audience"', async () => {
    const wrong = misconfigured(await assertionFor(fixture.idp, DEVELOPER), (doc) => (only(doc, NS_SAML, 'Audience').textContent = 'urn:example:not-aws'));
    assertAwsError(await assumeRole(wrong), 'InvalidIdentityToken', /required audience/);
  });

  test('E3: the recipient wrong → AccessDenied', async () => {
    const wrong = misconfigured(await assertionFor(fixture.idp, DEVELOPER), (doc) => only(doc, NS_SAML, 'SubjectConfirmationData').setAttribute('Recipient', 'https://sp.example.com/saml/acs'));
    assertAwsError(await assumeRole(wrong), 'AccessDenied', /Not authorized to perform sts:AssumeRoleWithSAML/);
  });

  test('A1: a role that is not in the Role attribute → AccessDenied', async () => {
    assertAwsError(await assumeRole(await assertionFor(fixture.idp, DEVELOPER), OPERATOR), 'AccessDenied');
  });

  test('T6: DurationSeconds above the role\'s MaxSessionDuration → ValidationError', async () => {
    assertAwsError(await assumeRole(await assertionFor(fixture.idp, DEVELOPER), DEVELOPER, ['--duration-seconds', '7200']), 'ValidationError', /exceeds the MaxSessionDuration/);
  });
});

describe('admin: `sesame sts-emulator` on the command line', () => {
  test('prints its URL, registers metadata from the running IdP, answers AssumeRoleWithSAML, stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [path.join(repoRoot(), 'bin', 'sesame.js'), 'sts-emulator', '--port', '0', '--metadata', `${fixture.idp.baseUrl}/saml/metadata`, '--account', ACCOUNT], {
      env: { PATH: process.env.PATH, HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (!/registered SAML provider/.test(output)) {
        if (child.exitCode !== null || Date.now() > deadline) assert.fail(`sts-emulator did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const url = /STS emulator listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)?.[1];
      assert.ok(url, output);
      assert.match(output, /AWS_ACCESS_KEY_ID=AKIA[A-Z2-7]{16} AWS_SECRET_ACCESS_KEY=/, 'a generated admin key is printed');
      assert.match(output, new RegExp(`registered SAML provider ${PROVIDER_ARN.replace(/[/]/g, '\\/')}`));
      const body = new URLSearchParams({ Action: 'AssumeRoleWithSAML', Version: '2011-06-15', RoleArn: DEVELOPER, PrincipalArn: PROVIDER_ARN, SAMLAssertion: await assertionFor(fixture.idp, DEVELOPER) });
      const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      const text = await answer.text();
      assert.equal(answer.status, 200, text);
      assert.match(text, /<Arn>arn:aws:sts::111122223333:assumed-role\/Developer\/alice@example\.com<\/Arn>/);
      assert.match(output, /AssumeRoleWithSAML 200/);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });
});
