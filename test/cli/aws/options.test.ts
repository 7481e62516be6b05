import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseCommand, parseIdpUrl } from '../../../src/cli/aws/options';
import { chooseRole, stsRegionFor } from '../../../src/cli/aws/chooseRole';
import { SesameAwsError } from '../../../src/cli/aws/sesameAwsError';
import type { GrantedRole } from '../../../src/cli/aws/idpClient';
import type { Terminal } from '../../../src/cli/aws/terminal';

const IDP = 'https://sso.example.com';

function usageError(fn: () => unknown, pattern: RegExp) {
  assert.throws(fn, (error: unknown) => error instanceof SesameAwsError && error.exitCode === 2 && pattern.test(error.message));
}

describe('sesame-aws: options are parsed once, flags before environment variables', () => {
  it('login: defaults (profile from AWS_PROFILE else "default", ~/.aws/credentials) and overrides', () => {
    const parsed = parseCommand(['login', '--idp', IDP], {});
    assert.equal(parsed.command, 'login');
    if (parsed.command !== 'login') return;
    assert.equal(parsed.options.profile, 'default');
    assert.equal(parsed.options.credentialsFile, path.join(os.homedir(), '.aws', 'credentials'));
    assert.equal(parsed.options.idpUrl, IDP);

    const env = { AWS_PROFILE: 'envprofile', AWS_SHARED_CREDENTIALS_FILE: '/tmp/x/creds', SESAME_USERNAME: 'alice', AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9/' };
    const fromEnv = parseCommand(['login', '--idp', IDP + '/'], env);
    if (fromEnv.command !== 'login') return assert.fail();
    assert.equal(fromEnv.options.profile, 'envprofile');
    assert.equal(fromEnv.options.credentialsFile, '/tmp/x/creds');
    assert.equal(fromEnv.options.username, 'alice');
    assert.equal(fromEnv.options.region, 'eu-west-1');
    assert.equal(fromEnv.options.stsEndpoint, 'http://127.0.0.1:9/');
    assert.equal(fromEnv.options.idpUrl, IDP, 'trailing slash dropped');

    const flags = parseCommand(['login', '--idp', IDP, '--profile', 'p', '--region', 'us-west-2', '--duration', '900', '--role', 'arn:x'], env);
    if (flags.command !== 'login') return assert.fail();
    assert.equal(flags.options.profile, 'p');
    assert.equal(flags.options.region, 'us-west-2');
    assert.equal(flags.options.durationSeconds, 900);
    assert.equal(flags.options.roleArn, 'arn:x');
  });

  it('SESAME_IDP_URL stands in for --idp; without either the message names both', () => {
    const parsed = parseCommand(['roles'], { SESAME_IDP_URL: IDP });
    assert.equal(parsed.command === 'roles' && parsed.options.idpUrl, IDP);
    usageError(() => parseCommand(['roles'], {}), /--idp URL or set SESAME_IDP_URL/);
  });

  it('refuses plain http except for this machine (the password would travel in clear)', () => {
    usageError(() => parseIdpUrl('http://sso.example.com', '--idp'), /plain http/);
    assert.equal(parseIdpUrl('http://127.0.0.1:8080', '--idp'), 'http://127.0.0.1:8080');
    assert.equal(parseIdpUrl('http://localhost:8080/', '--idp'), 'http://localhost:8080');
    usageError(() => parseIdpUrl('ftp://x', '--idp'), /https/);
    usageError(() => parseIdpUrl('https://u:p@x', '--idp'), /credentials/);
  });

  it('refuses bad durations, regions, endpoints and profile names, naming the flag', () => {
    usageError(() => parseCommand(['login', '--idp', IDP, '--duration', '899'], {}), /--duration.*900 and 43200/);
    usageError(() => parseCommand(['login', '--idp', IDP, '--duration', '43201'], {}), /--duration/);
    usageError(() => parseCommand(['login', '--idp', IDP, '--region', 'Mars'], {}), /--region/);
    usageError(() => parseCommand(['login', '--idp', IDP], { AWS_REGION: 'nowhere' }), /AWS_REGION/);
    usageError(() => parseCommand(['login', '--idp', IDP, '--sts-endpoint', 'not a url'], {}), /--sts-endpoint/);
    usageError(() => parseCommand(['login', '--idp', IDP, '--profile', 'a]b'], {}), /--profile/);
    usageError(() => parseCommand(['login', '--idp', IDP, '--bogus'], {}), /bogus/);
    usageError(() => parseCommand(['fly'], {}), /unknown command/);
  });

  it('exec takes the command after "--"', () => {
    const parsed = parseCommand(['exec', '--idp', IDP, '--role', 'r', '--', 'aws', 's3', 'ls', '--profile', 'x'], {});
    assert.equal(parsed.command, 'exec');
    if (parsed.command === 'exec') assert.deepEqual(parsed.options.command, ['aws', 's3', 'ls', '--profile', 'x']);
    usageError(() => parseCommand(['exec', '--idp', IDP], {}), /after "--"/);
  });
});

const ROLES: GrantedRole[] = [
  { roleArn: 'arn:aws:iam::111122223333:role/Developer', providerArn: 'arn:aws:iam::111122223333:saml-provider/Sesame', partition: 'aws', accountId: '111122223333', roleName: 'Developer', label: 'Dev sandbox', sessionDuration: 7200 },
  { roleArn: 'arn:aws:iam::444455556666:role/ops/ReadOnly', providerArn: 'arn:aws:iam::444455556666:saml-provider/Sesame', partition: 'aws', accountId: '444455556666', roleName: '/ops/ReadOnly', label: null, sessionDuration: null },
];
const noTerminal: Terminal = { interactive: false, ask: () => Promise.reject(new Error('asked')), askHidden: () => Promise.reject(new Error('asked')), say: () => undefined, close: () => undefined };

describe('sesame-aws: choosing the role', () => {
  it('without a terminal and with several roles, fails naming --role and SESAME_AWS_ROLE, listing the roles', async () => {
    await assert.rejects(chooseRole(ROLES, undefined, noTerminal), (error: unknown) => {
      assert.ok(error instanceof SesameAwsError);
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /--role or the SESAME_AWS_ROLE environment variable/);
      assert.match(error.message, /111122223333 \/ Developer \(Dev sandbox\)/);
      assert.match(error.message, /444455556666 \/ ops\/ReadOnly  arn:aws:iam::444455556666:role\/ops\/ReadOnly/);
      return true;
    });
  });

  it('takes the only role, or the one named; a role not granted is refused with the list', async () => {
    assert.equal((await chooseRole([ROLES[0]!], undefined, noTerminal)).roleArn, ROLES[0]!.roleArn);
    assert.equal((await chooseRole(ROLES, ROLES[1]!.roleArn, noTerminal)).roleArn, ROLES[1]!.roleArn);
    await assert.rejects(chooseRole(ROLES, 'arn:aws:iam::111122223333:role/Admin', noTerminal), /is not granted to you/);
    await assert.rejects(chooseRole([], undefined, noTerminal), /No AWS role is granted/);
  });

  it('asks on a terminal until it gets a number in range', async () => {
    const answers = ['x', '3', '2'];
    const said: string[] = [];
    const terminal: Terminal = { interactive: true, ask: async () => answers.shift()!, askHidden: async () => '', say: (l) => said.push(l), close: () => undefined };
    assert.equal((await chooseRole(ROLES, undefined, terminal)).roleArn, ROLES[1]!.roleArn);
    assert.ok(said.some((l) => l.includes('1. 111122223333 / Developer (Dev sandbox)')));
    assert.equal(answers.length, 0);
  });

  it('the STS region defaults to the partition home and must be in the role partition', () => {
    assert.equal(stsRegionFor(ROLES[0]!, undefined), 'us-east-1');
    assert.equal(stsRegionFor(ROLES[0]!, 'eu-central-1'), 'eu-central-1');
    assert.equal(stsRegionFor({ ...ROLES[0]!, partition: 'aws-us-gov' }, undefined), 'us-gov-west-1');
    assert.equal(stsRegionFor({ ...ROLES[0]!, partition: 'aws-cn' }, undefined), 'cn-north-1');
    assert.throws(() => stsRegionFor(ROLES[0]!, 'cn-north-1'), /not in partition aws/);
  });
});
