/**
 * User story (issue 3): an engineer gets AWS credentials from Sesame in a terminal, without a
 * browser. `sesame-aws` (the real bin) talks to a real Sesame process and to the STS emulator on
 * loopback; the credentials it writes are then used by the real AWS CLI (Debian awscli v2), a client
 * nobody here wrote, which must get the assumed-role ARN back from GetCallerIdentity.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startSesame, type SesameInstance, sesameCliOk } from '../../helpers/sesameProcess';
import { startStsEmulator, type StsEmulator } from '../../../src/sts/stsEmulator';
import { buildIdpMetadata } from '../../../src/saml/idpMetadata';
import { SqliteStore } from '../../../src/store/sqliteStore';
import { SqliteMfaStore } from '../../../src/store/sqliteMfaStore';
import { hashRecoveryCode } from '../../../src/auth/recoveryCodes';
import { makeSigningKey } from '../../saml/samlTestKit';
import { awsCli, currentTotpStep, runInPty, sesameAws, SESAME_AWS, totpFromPython, type RunResult } from './desktopKit';

const DEV = 'arn:aws:iam::111122223333:role/Developer';
const DEV_PROVIDER = 'arn:aws:iam::111122223333:saml-provider/Sesame';
const OPS = 'arn:aws:iam::444455556666:role/ops/ReadOnly';
const OPS_PROVIDER = 'arn:aws:iam::444455556666:saml-provider/Sesame';
const ALICE_PASSWORD = 'correct horse battery staple';
const BOB_PASSWORD = 'b0b has a long passphrase';
const DAVE_PASSWORD = 'uses a second factor too';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const RECOVERY_CODES = ['abcd-efgh-jkmn', 'pqrs-tuvw-xyz2', 'a2b3-c4d5-e6f7'];

const EXISTING_CREDENTIALS =
  '# Credentials file of a working engineer: hand-edited, with comments.\n' +
  '[default]\n' +
  'aws_access_key_id = AKIAEXAMPLEDEFAULT1\n' +
  'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ; inline comment\n' +
  '\n' +
  '; a profile another tool manages\n' +
  '[legacy]\n' +
  'aws_access_key_id=AKIAEXAMPLELEGACY01\n' +
  'aws_secret_access_key=legacysecret\n' +
  'region = eu-west-1\n';

let idp: SesameInstance;
let sts: StsEmulator;
let home: string;
let baseEnv: NodeJS.ProcessEnv;
let credentialsFile: string;

const cli = (args: string[], stdin?: string) => sesameCliOk(idp, args, stdin);

function describeRun(result: RunResult): string {
  return `exit ${result.code}${result.timedOut ? ' (TIMED OUT)' : ''} after ${result.ms} ms\nstdout: ${result.stdout.slice(0, 2000)}\nstderr: ${result.stderr.slice(0, 2000)}`;
}

function auditCount(event: string): number {
  return (JSON.parse(cli(['audit', 'list', '--event', event, '--limit', '10000', '--json'])) as unknown[]).length;
}

/** The file's bytes and modification time: "unchanged" means both. */
function snapshot(file: string): { text: string; mtimeMs: number } {
  return { text: fs.readFileSync(file, 'utf8'), mtimeMs: fs.statSync(file).mtimeMs };
}

let codeStep = 0;
/** A code not used yet (Sesame refuses replays): the current step, then the next (the ±1 window), then recovery codes. */
async function nextOneTimeCode(): Promise<string> {
  const now = currentTotpStep();
  if (codeStep < now) codeStep = now;
  else if (codeStep === now) codeStep = now + 1;
  else return RECOVERY_CODES.shift()!;
  return totpFromPython(TOTP_SECRET, codeStep);
}

before(async () => {
  idp = await startSesame({ SESAME_WORKERS: '1' });
  cli(['user', 'add', 'alice', '--email', 'alice@example.com', '--password-stdin'], ALICE_PASSWORD);
  cli(['user', 'add', 'bob', '--email', 'bob@example.com', '--password-stdin'], BOB_PASSWORD);
  cli(['user', 'add', 'carol', '--password-stdin'], 'no grants at all, sorry');
  cli(['user', 'add', 'dave', '--email', 'dave@example.com', '--password-stdin'], DAVE_PASSWORD);
  cli(['group', 'add', 'developers']);
  cli(['group', 'add', 'operators']);
  for (const user of ['alice', 'bob', 'dave']) cli(['group', 'add-member', 'developers', user]);
  cli(['group', 'add-member', 'operators', 'alice']);
  cli(['grant', 'add', '--group', 'developers', '--role-arn', DEV, '--provider-arn', DEV_PROVIDER, '--duration', '3600', '--label', 'Dev sandbox']);
  cli(['grant', 'add', '--group', 'operators', '--role-arn', OPS, '--provider-arn', OPS_PROVIDER]);

  // Dave has an authenticator app: enrolled through the MFA store, as the enrolment page would.
  const store = SqliteStore.open(idp.env.SESAME_DATA_DIR!);
  try {
    const pepper = await store.getOrCreateSetting('mfa_pepper', () => 'unused: the running IdP created it first');
    const dave = (await store.findUserByUsername('dave'))!;
    await new SqliteMfaStore(store.db).enrolTotp(dave.id, TOTP_SECRET, RECOVERY_CODES.map((c) => hashRecoveryCode(pepper, c)));
  } finally {
    await store.close();
  }

  sts = await startStsEmulator();
  const metadataXml = await (await fetch(`${idp.baseUrl}/saml/metadata`)).text();
  assert.equal(sts.registerSamlProvider({ accountId: '111122223333', name: 'Sesame', metadataXml }), DEV_PROVIDER);
  assert.equal(sts.registerSamlProvider({ accountId: '444455556666', name: 'Sesame', metadataXml }), OPS_PROVIDER);
  sts.registerRole({ arn: DEV, maxSessionDuration: 3600 });
  sts.registerRole({ arn: OPS, maxSessionDuration: 7200 });

  home = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-aws-home-'));
  credentialsFile = path.join(home, '.aws', 'credentials');
  fs.mkdirSync(path.dirname(credentialsFile), { mode: 0o700 });
  fs.writeFileSync(credentialsFile, EXISTING_CREDENTIALS, { mode: 0o600 });
  fs.writeFileSync(path.join(home, '.aws', 'config'), '[default]\nregion = us-east-1\n');
  baseEnv = {
    PATH: process.env.PATH,
    HOME: home,
    LANG: 'C.UTF-8',
    AWS_CONFIG_FILE: path.join(home, '.aws', 'config'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    SESAME_IDP_URL: idp.baseUrl,
    AWS_ENDPOINT_URL_STS: sts.url,
  };
});

after(async () => {
  await sts?.close();
  await idp?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

async function callerArn(env: NodeJS.ProcessEnv, extra: string[] = []): Promise<string> {
  const result = await awsCli(['sts', 'get-caller-identity', '--endpoint-url', sts.url, '--region', 'us-east-1', '--output', 'json', ...extra], env);
  assert.equal(result.code, 0, `aws sts get-caller-identity: ${describeRun(result)}`);
  return (JSON.parse(result.stdout) as { Arn: string }).Arn;
}

describe('engineer: sesame-aws login in a terminal', () => {
  test('prompts for username and password (not echoed), lists roles as "account / role (label)", writes the chosen profile; other profiles and comments survive byte for byte', async () => {
    const before = fs.readFileSync(credentialsFile, 'utf8');
    const result = await runInPty(
      [process.execPath, SESAME_AWS, 'login', '--profile', 'sesame-dev'],
      baseEnv,
      [
        { expect: /Username: /, send: 'alice\r' },
        { expect: /Password: /, send: `${ALICE_PASSWORD}\r` },
        { expect: /Role \[1-2\]: /, send: '1\r' },
      ],
    );
    assert.equal(result.code, 0, describeRun(result));
    assert.match(result.transcript, /Username: [^\n]*alice/, 'control: what is typed at a visible prompt shows in the transcript');
    assert.ok(!result.transcript.includes(ALICE_PASSWORD), 'the password is never echoed');
    assert.match(result.transcript, /1\. 111122223333 \/ Developer \(Dev sandbox\)/);
    assert.match(result.transcript, /2\. 444455556666 \/ ops\/ReadOnly/);
    assert.match(result.transcript, /Wrote profile \[sesame-dev\]/);

    const after = fs.readFileSync(credentialsFile, 'utf8');
    assert.ok(after.startsWith(before), 'every byte that was there before is still there, in place');
    const added = after.slice(before.length);
    assert.match(added, /^\n\[sesame-dev\]\naws_access_key_id = ASIA\w+\naws_secret_access_key = \S+\naws_session_token = \S+\nx_security_token_expires = \S+Z\nx_principal_arn = arn:aws:iam::111122223333:role\/Developer\n$/);
    assert.equal(fs.statSync(credentialsFile).mode & 0o777, 0o600);
    assert.deepEqual(fs.readdirSync(path.dirname(credentialsFile)).sort(), ['config', 'credentials'], 'no temp or lock file left');

    assert.equal(await callerArn(baseEnv, ['--profile', 'sesame-dev']), 'arn:aws:sts::111122223333:assumed-role/Developer/alice@example.com');
  });

  test('asks for the one-time code when the account has a second factor', async () => {
    const result = await runInPty(
      [process.execPath, SESAME_AWS, 'login', '--profile', 'sesame-dave', '--username', 'dave'],
      baseEnv,
      [
        { expect: /Password: /, send: `${DAVE_PASSWORD}\r` },
        { expect: /One-time code: /, send: `${await nextOneTimeCode()}\r` },
      ],
    );
    assert.equal(result.code, 0, describeRun(result));
    assert.ok(!result.transcript.includes(DAVE_PASSWORD));
    assert.equal(await callerArn(baseEnv, ['--profile', 'sesame-dave']), 'arn:aws:sts::111122223333:assumed-role/Developer/dave@example.com');
  });
});

describe('engineer: sesame-aws without a terminal (scripts, CI)', () => {
  test('login with flags and environment variables updates the profile in place and prints --json', async () => {
    const before = fs.readFileSync(credentialsFile, 'utf8');
    const result = await sesameAws(['login', '--profile', 'sesame-dev', '--username', 'bob', '--password-stdin', '--role', DEV, '--region', 'us-west-2', '--json'], baseEnv, BOB_PASSWORD);
    assert.equal(result.code, 0, describeRun(result));
    const out = JSON.parse(result.stdout) as Record<string, string>;
    assert.equal(out.profile, 'sesame-dev');
    assert.equal(out.assumedRoleArn, 'arn:aws:sts::111122223333:assumed-role/Developer/bob@example.com');
    assert.equal(out.region, 'us-west-2');
    assert.equal(result.stdout.includes('SecretAccessKey'), false, 'login --json never prints the secret');
    const after = fs.readFileSync(credentialsFile, 'utf8');
    const head = before.slice(0, before.indexOf('[sesame-dev]'));
    assert.ok(after.startsWith(head), 'everything before the profile is unchanged');
    assert.ok(after.includes(`aws_access_key_id = ${out.accessKeyId}\n`));
    assert.equal(after.split('[sesame-dev]').length, 2, 'the profile is updated, not duplicated');
    assert.equal(await callerArn(baseEnv, ['--profile', 'sesame-dev']), out.assumedRoleArn);
  });

  test('with a second factor: a missing code fails naming --otp and SESAME_OTP; --otp works', async () => {
    const before = snapshot(credentialsFile);
    const missing = await sesameAws(['login', '--profile', 'sesame-dave', '--username', 'dave'], { ...baseEnv, SESAME_PASSWORD: DAVE_PASSWORD });
    assert.equal(missing.code, 2, describeRun(missing));
    assert.match(missing.stderr, /one-time code.*--otp or the SESAME_OTP environment variable/i);
    assert.deepEqual(snapshot(credentialsFile), before, 'credentials file unchanged');
    const wrong = await sesameAws(['login', '--profile', 'sesame-dave', '--username', 'dave', '--otp', '000000'], { ...baseEnv, SESAME_PASSWORD: DAVE_PASSWORD });
    assert.equal(wrong.code, 1, describeRun(wrong));
    assert.match(wrong.stderr, /one-time code is not valid/);
    assert.deepEqual(snapshot(credentialsFile), before);
    const ok = await sesameAws(['login', '--profile', 'sesame-dave', '--username', 'dave', '--otp', await nextOneTimeCode()], { ...baseEnv, SESAME_PASSWORD: DAVE_PASSWORD });
    assert.equal(ok.code, 0, describeRun(ok));
  });

  test('never waits for input: each missing answer fails at once, naming the flag and the variable; the file is unchanged', async () => {
    const before = snapshot(credentialsFile);
    const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
      [['login'], {}, /--username or the SESAME_USERNAME environment variable/],
      [['login', '--username', 'alice'], {}, /--password-stdin or the SESAME_PASSWORD environment variable/],
      [['login', '--username', 'alice'], { SESAME_PASSWORD: ALICE_PASSWORD }, /--role or the SESAME_AWS_ROLE environment variable[\s\S]*111122223333 \/ Developer \(Dev sandbox\)/],
      [['credential-process', '--username', 'alice'], { SESAME_PASSWORD: ALICE_PASSWORD }, /--role or the SESAME_AWS_ROLE/],
      [['login', '--username', 'alice'], { SESAME_IDP_URL: '' }, /--idp URL or set SESAME_IDP_URL/],
    ];
    for (const [args, env, message] of cases) {
      const result = await sesameAws(args, { ...baseEnv, ...env });
      assert.equal(result.timedOut, false, `hung: ${args.join(' ')}`);
      assert.equal(result.code, 2, `${args.join(' ')}: ${describeRun(result)}`);
      assert.match(result.stderr, message);
      assert.ok(result.ms < 20_000, `took ${result.ms} ms`);
    }
    assert.deepEqual(snapshot(credentialsFile), before);
  });

  test('refusals: wrong password, role not granted, no roles at all, DurationSeconds above the role maximum: non-zero exit, clear message, file unchanged', async () => {
    const before = snapshot(credentialsFile);
    const issuedBefore = auditCount('assertion.issued');
    const wrong = await sesameAws(['login', '--profile', 'x', '--username', 'alice', '--role', DEV], { ...baseEnv, SESAME_PASSWORD: 'not the password' });
    assert.equal(wrong.code, 1, describeRun(wrong));
    assert.match(wrong.stderr, /Incorrect username or password\./);
    const notGranted = await sesameAws(['login', '--profile', 'x', '--username', 'bob', '--role', OPS], { ...baseEnv, SESAME_PASSWORD: BOB_PASSWORD });
    assert.equal(notGranted.code, 1, describeRun(notGranted));
    assert.match(notGranted.stderr, /role arn:aws:iam::444455556666:role\/ops\/ReadOnly is not granted to you[\s\S]*111122223333 \/ Developer/);
    const none = await sesameAws(['login', '--profile', 'x', '--username', 'carol'], { ...baseEnv, SESAME_PASSWORD: 'no grants at all, sorry' });
    assert.equal(none.code, 1, describeRun(none));
    assert.match(none.stderr, /No AWS role is granted to you/);
    assert.equal(auditCount('assertion.issued'), issuedBefore, 'no assertion was issued for any of these');

    const tooLong = await sesameAws(['login', '--profile', 'x', '--username', 'bob', '--role', DEV, '--duration', '7200'], { ...baseEnv, SESAME_PASSWORD: BOB_PASSWORD });
    assert.equal(tooLong.code, 1, describeRun(tooLong));
    assert.match(tooLong.stderr, /STS refused AssumeRoleWithSAML .*ValidationError.*MaxSessionDuration/);
    assert.match(tooLong.stderr, /--duration/);
    assert.deepEqual(snapshot(credentialsFile), before);
    assert.ok(!fs.readFileSync(credentialsFile, 'utf8').includes('[x]'));
  });
});

describe('engineer: credential_process and exec', () => {
  let configFile: string;
  let env: NodeJS.ProcessEnv;
  before(() => {
    configFile = path.join(home, 'config-credential-process');
    fs.writeFileSync(
      configFile,
      `[profile sesame]\n` +
        `credential_process = ${process.execPath} ${SESAME_AWS} credential-process --idp ${idp.baseUrl} --role ${DEV} --username bob --sts-endpoint ${sts.url}\n` +
        `region = us-east-1\n`,
    );
    env = { ...baseEnv, AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'no-credentials-here'), SESAME_PASSWORD: BOB_PASSWORD };
    delete env.AWS_ENDPOINT_URL_STS;
  });

  test('aws sts get-caller-identity with credential_process = sesame-aws credential-process returns the assumed-role ARN; the next call is served from the cache', async () => {
    const issued = auditCount('api.saml_response.issued');
    assert.equal(await callerArn(env, ['--profile', 'sesame']), 'arn:aws:sts::111122223333:assumed-role/Developer/bob@example.com');
    assert.equal(auditCount('api.saml_response.issued'), issued + 1);
    assert.equal(await callerArn(env, ['--profile', 'sesame']), 'arn:aws:sts::111122223333:assumed-role/Developer/bob@example.com');
    assert.equal(auditCount('api.saml_response.issued'), issued + 1, 'second call: no new sign-in, cached credentials');
    const cacheDir = path.join(home, '.cache', 'sesame-aws');
    const files = fs.readdirSync(cacheDir);
    assert.equal(files.length, 1);
    assert.equal(fs.statSync(path.join(cacheDir, files[0]!)).mode & 0o777, 0o600);
    assert.equal(fs.statSync(cacheDir).mode & 0o777, 0o700);
  });

  test('credential-process prints exactly the credential_process JSON (Version 1)', async () => {
    const result = await sesameAws(['credential-process', '--role', DEV, '--username', 'bob', '--sts-endpoint', sts.url, '--no-cache'], { ...baseEnv, SESAME_PASSWORD: BOB_PASSWORD });
    assert.equal(result.code, 0, describeRun(result));
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), ['Version', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
    assert.equal(json.Version, 1);
    assert.match(json.Expiration as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(result.stderr, '', 'nothing on stderr (the AWS CLI shows it as an error)');
  });

  test('exec --role … -- CMD runs the command with the credentials in its environment and returns its exit code', async () => {
    const execEnv = { ...baseEnv, SESAME_PASSWORD: BOB_PASSWORD, AWS_PROFILE: 'legacy' };
    const viaAws = await sesameAws(['exec', '--role', DEV, '--username', 'bob', '--', '/usr/bin/aws', 'sts', 'get-caller-identity', '--endpoint-url', sts.url, '--output', 'json'], execEnv);
    assert.equal(viaAws.code, 0, describeRun(viaAws));
    assert.equal((JSON.parse(viaAws.stdout) as { Arn: string }).Arn, 'arn:aws:sts::111122223333:assumed-role/Developer/bob@example.com', 'AWS_PROFILE is dropped so the environment credentials count');
    const script = 'const e = process.env; console.log(JSON.stringify({ id: e.AWS_ACCESS_KEY_ID, secret: !!e.AWS_SECRET_ACCESS_KEY, token: !!e.AWS_SESSION_TOKEN, exp: e.AWS_CREDENTIAL_EXPIRATION, profile: e.AWS_PROFILE ?? null, password: e.SESAME_PASSWORD ?? null })); process.exit(7)';
    const viaNode = await sesameAws(['exec', '--role', DEV, '--username', 'bob', '--', process.execPath, '-e', script], execEnv);
    assert.equal(viaNode.code, 7, describeRun(viaNode));
    const seen = JSON.parse(viaNode.stdout) as Record<string, unknown>;
    assert.match(seen.id as string, /^ASIA/);
    assert.equal(seen.secret, true);
    assert.equal(seen.token, true);
    assert.match(seen.exp as string, /Z$/);
    assert.equal(seen.profile, null);
    assert.equal(seen.password, null, 'the password is not handed to the command');
  });
});

describe('the real AWS CLI and an assertion from the JSON API', () => {
  test('aws sts assume-role-with-saml with the API\'s SAMLResponse succeeds; sesame-aws refuses when IAM holds a different certificate (S5)', async () => {
    const session = (await (await fetch(`${idp.baseUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: ALICE_PASSWORD }) })).json()) as { token: string };
    const issued = (await (await fetch(`${idp.baseUrl}/api/v1/aws/saml-response`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` }, body: JSON.stringify({ roleArn: OPS }) })).json()) as { samlResponse: string };
    const assertionFile = path.join(home, 'assertion.b64');
    fs.writeFileSync(assertionFile, issued.samlResponse);
    const result = await awsCli(
      ['sts', 'assume-role-with-saml', '--role-arn', OPS, '--principal-arn', OPS_PROVIDER, '--saml-assertion', `file://${assertionFile}`, '--endpoint-url', sts.url, '--region', 'us-east-1', '--output', 'json'],
      baseEnv,
    );
    assert.equal(result.code, 0, describeRun(result));
    const answer = JSON.parse(result.stdout) as { AssumedRoleUser: { Arn: string }; Credentials: { AccessKeyId: string } };
    assert.equal(answer.AssumedRoleUser.Arn, 'arn:aws:sts::444455556666:assumed-role/ReadOnly/alice@example.com');

    // The IAM provider now trusts another key (a rotation done without updating IAM).
    const other = makeSigningKey('not Sesame');
    const metadataXml = await (await fetch(`${idp.baseUrl}/saml/metadata`)).text();
    const entityId = /entityID="([^"]+)"/.exec(metadataXml)![1]!;
    sts.registerSamlProvider({ accountId: '111122223333', name: 'Sesame', metadataXml: buildIdpMetadata({ entityId, signingCertificates: [other.certBase64], ssoUrl: `${idp.baseUrl}/saml/sso` }) });
    const before = snapshot(credentialsFile);
    const refused = await sesameAws(['login', '--profile', 'sesame-dev', '--username', 'bob', '--role', DEV], { ...baseEnv, SESAME_PASSWORD: BOB_PASSWORD });
    assert.equal(refused.code, 1, describeRun(refused));
    assert.match(refused.stderr, /InvalidIdentityToken/);
    assert.match(refused.stderr, /metadata/);
    assert.deepEqual(snapshot(credentialsFile), before);
  });

  test('the IdP log and audit never contain a password or a bearer token', () => {
    const audit = cli(['audit', 'list', '--limit', '10000', '--json']);
    for (const secret of [ALICE_PASSWORD, BOB_PASSWORD, DAVE_PASSWORD, 'ses_']) {
      assert.ok(!audit.includes(secret), `audit contains ${secret}`);
      assert.ok(!idp.output().includes(secret), `server output contains ${secret}`);
    }
    assert.ok(audit.includes('"channel": "api"'));
  });
});
