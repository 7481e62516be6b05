import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRoleProviderPair, parseRoleArn, parseSamlProviderArn } from '../../src/aws/arn';
import { assertAwsRuleError } from './assertAwsRuleError';

const ACCOUNT = '111122223333';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/Admin`;
const PROVIDER = `arn:aws:iam::${ACCOUNT}:saml-provider/Sesame`;

// ---- role ARNs: accepted ----

test('A1: parses a plain role ARN in the aws partition', () => {
  assert.deepEqual(parseRoleArn(ROLE), {
    arn: ROLE,
    partition: 'aws',
    accountId: ACCOUNT,
    path: '/',
    roleName: 'Admin',
  });
});

test('A1: parses a role ARN with a path', () => {
  const arn = `arn:aws:iam::${ACCOUNT}:role/service-role/team.a/Deploy`;
  assert.deepEqual(parseRoleArn(arn), {
    arn,
    partition: 'aws',
    accountId: ACCOUNT,
    path: '/service-role/team.a/',
    roleName: 'Deploy',
  });
});

test('A1: parses GovCloud and China role ARNs', () => {
  assert.deepEqual(parseRoleArn(`arn:aws-us-gov:iam::${ACCOUNT}:role/GovAdmin`), {
    arn: `arn:aws-us-gov:iam::${ACCOUNT}:role/GovAdmin`,
    partition: 'aws-us-gov',
    accountId: ACCOUNT,
    path: '/',
    roleName: 'GovAdmin',
  });
  assert.deepEqual(parseRoleArn(`arn:aws-cn:iam::${ACCOUNT}:role/ops/CnAdmin`), {
    arn: `arn:aws-cn:iam::${ACCOUNT}:role/ops/CnAdmin`,
    partition: 'aws-cn',
    accountId: ACCOUNT,
    path: '/ops/',
    roleName: 'CnAdmin',
  });
});

test('A1: accepts every role-name character IAM allows except the comma, up to 64 characters', () => {
  assert.equal(parseRoleArn(`arn:aws:iam::${ACCOUNT}:role/a+b=c.d@e_f-G9`).roleName, 'a+b=c.d@e_f-G9');
  const longName = 'R'.repeat(64);
  assert.equal(parseRoleArn(`arn:aws:iam::${ACCOUNT}:role/${longName}`).roleName, longName);
  assert.equal(parseRoleArn(`arn:aws:iam::${ACCOUNT}:role/x`).roleName, 'x');
});

// ---- role ARNs: rejected ----

test('A1: rejects a missing or non-string role ARN', () => {
  assertAwsRuleError(() => parseRoleArn(''), 'A1', /missing/);
  assertAwsRuleError(() => parseRoleArn(undefined as unknown as string), 'A1', /missing/);
  assertAwsRuleError(() => parseRoleArn(42 as unknown as string), 'A1', /missing/);
});

test('P1: rejects a role ARN longer than 2048 characters', () => {
  const arn = `arn:aws:iam::${ACCOUNT}:role/${'p/'.repeat(1100)}Admin`;
  assert.ok(arn.length > 2048);
  assertAwsRuleError(() => parseRoleArn(arn), 'P1', /at most 2048/);
});

test('A1: rejects whitespace and invisible characters in a role ARN', () => {
  for (const arn of [
    ` ${ROLE}`,
    `${ROLE} `,
    `${ROLE}\n`,
    `arn:aws:iam::${ACCOUNT}:role/Ad\tmin`,
    `arn:aws:iam::${ACCOUNT}:role/Ad min`,
    `${ROLE}\u00a0`,
    `${ROLE}\u200b`,
    `\ufeff${ROLE}`,
  ]) {
    assertAwsRuleError(() => parseRoleArn(arn), 'A1', /whitespace or an invisible character/);
  }
});

test('A1: rejects a comma in a role ARN because it would break the Role pair', () => {
  assertAwsRuleError(() => parseRoleArn(`${ROLE},${PROVIDER}`), 'A1', /comma/);
  assertAwsRuleError(() => parseRoleArn(`arn:aws:iam::${ACCOUNT}:role/Ad,min`), 'A1', /comma/);
  assertAwsRuleError(() => parseRoleArn(`arn:aws:iam::${ACCOUNT}:role/a,b/Admin`), 'A1', /comma/);
});

test('A1: rejects text that is not an ARN or has the wrong number of fields', () => {
  for (const arn of [
    'Admin',
    'role/Admin',
    `aws:iam::${ACCOUNT}:role/Admin`,
    `ARN:aws:iam::${ACCOUNT}:role/Admin`,
    `arn:aws:iam:${ACCOUNT}:role/Admin`,
    `arn:aws:iam::${ACCOUNT}:role/Admin:extra`,
    `arn:aws:iam::${ACCOUNT}:role:Admin`,
  ]) {
    assertAwsRuleError(() => parseRoleArn(arn), 'A1', /not an IAM ARN/);
  }
});

test('A1: rejects an unsupported partition', () => {
  for (const partition of ['aws-iso', 'AWS', '', 'aws-eusc']) {
    assertAwsRuleError(
      () => parseRoleArn(`arn:${partition}:iam::${ACCOUNT}:role/Admin`),
      'A1',
      /partition .* Sesame supports aws, aws-us-gov, aws-cn/,
    );
  }
});

test('A1: rejects a service other than iam, with a hint for assumed-role ARNs', () => {
  assertAwsRuleError(
    () => parseRoleArn(`arn:aws:sts::${ACCOUNT}:assumed-role/Admin/jdoe`),
    'A1',
    /service "sts" \(an sts assumed-role ARN is a session/,
  );
  assertAwsRuleError(() => parseRoleArn(`arn:aws:s3:::role/Admin`), 'A1', /service "s3"/);
  assertAwsRuleError(() => parseRoleArn(`arn:aws:IAM::${ACCOUNT}:role/Admin`), 'A1', /service "IAM"/);
});

test('A1: rejects a non-empty region', () => {
  assertAwsRuleError(
    () => parseRoleArn(`arn:aws:iam:us-east-1:${ACCOUNT}:role/Admin`),
    'A1',
    /region "us-east-1" — IAM is global/,
  );
});

test('A1: rejects an account id that is not exactly 12 digits', () => {
  assertAwsRuleError(
    () => parseRoleArn('arn:aws:iam::1234:role/Admin'),
    'A1',
    /^A1: role ARN "arn:aws:iam::1234:role\/Admin" has account "1234" — an AWS account id is exactly 12 digits$/,
  );
  for (const account of ['1111222233334', '11112222333', '11112222333a', '', '1111-2222-3333', '１１１１２２２２３３３３']) {
    assertAwsRuleError(() => parseRoleArn(`arn:aws:iam::${account}:role/Admin`), 'A1', /exactly 12 digits/);
  }
});

test('A1: rejects a resource that is not role/<name>, with a hint when role and provider are swapped', () => {
  assertAwsRuleError(() => parseRoleArn(PROVIDER), 'A1', /names a saml-provider, not a role — did you swap/);
  for (const resource of ['user/Admin', 'Role/Admin', 'role', 'roles/Admin', 'group/Admin']) {
    assertAwsRuleError(() => parseRoleArn(`arn:aws:iam::${ACCOUNT}:${resource}`), 'A1', /expected role\/<name>/);
  }
});

test('A1: rejects an empty role name, including a trailing slash', () => {
  assertAwsRuleError(() => parseRoleArn(`arn:aws:iam::${ACCOUNT}:role/`), 'A1', /no role name/);
  assertAwsRuleError(() => parseRoleArn(`arn:aws:iam::${ACCOUNT}:role/Admin/`), 'A1', /no role name/);
});

test('A1: rejects role names with disallowed characters or more than 64 characters', () => {
  for (const name of ['Ad!min', 'Ad#min', 'Admïn', 'Ad"min', 'R'.repeat(65)]) {
    assertAwsRuleError(() => parseRoleArn(`arn:aws:iam::${ACCOUNT}:role/${name}`), 'A1', /role name .* 1–64 characters/);
  }
});

test('A1: rejects malformed or over-long role paths', () => {
  assertAwsRuleError(() => parseRoleArn(`arn:aws:iam::${ACCOUNT}:role//Admin`), 'A1', /has path "\/\/"/);
  assertAwsRuleError(() => parseRoleArn(`arn:aws:iam::${ACCOUNT}:role/a//Admin`), 'A1', /has path "\/a\/\/"/);
  assertAwsRuleError(() => parseRoleArn(`arn:aws:iam::${ACCOUNT}:role/é/Admin`), 'A1', /has path/);
  assertAwsRuleError(
    () => parseRoleArn(`arn:aws:iam::${ACCOUNT}:role/${'p'.repeat(511)}/Admin`),
    'A1',
    /path — IAM paths are at most 512/,
  );
  assert.equal(parseRoleArn(`arn:aws:iam::${ACCOUNT}:role/${'p'.repeat(510)}/Admin`).path.length, 512);
});

test('A1: rejects AWSReservedSSO_ roles, which AssumeRoleWithSAML cannot assume', () => {
  assertAwsRuleError(
    () =>
      parseRoleArn(
        `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_AdministratorAccess_0123456789abcdef`,
      ),
    'A1',
    /IAM Identity Center role .* create a separate IAM role/,
  );
  assertAwsRuleError(() => parseRoleArn(`arn:aws:iam::${ACCOUNT}:role/AWSReservedSSO_X`), 'A1', /AWSReservedSSO_/);
  // Only the prefix is reserved.
  assert.equal(parseRoleArn(`arn:aws:iam::${ACCOUNT}:role/MyAWSReservedSSO_X`).roleName, 'MyAWSReservedSSO_X');
});

test('A1: error messages quote the offending value with invisible characters escaped', () => {
  assertAwsRuleError(() => parseRoleArn(`${ROLE}\n`), 'A1', /"arn:aws:iam::111122223333:role\/Admin\\n"/);
});

// ---- SAML provider ARNs ----

test('S6: parses SAML provider ARNs in all three partitions', () => {
  assert.deepEqual(parseSamlProviderArn(PROVIDER), {
    arn: PROVIDER,
    partition: 'aws',
    accountId: ACCOUNT,
    providerName: 'Sesame',
  });
  assert.equal(parseSamlProviderArn(`arn:aws-us-gov:iam::${ACCOUNT}:saml-provider/Sesame`).partition, 'aws-us-gov');
  assert.equal(parseSamlProviderArn(`arn:aws-cn:iam::${ACCOUNT}:saml-provider/Sesame`).partition, 'aws-cn');
});

test('S6: accepts provider names of letters, digits and . _ - up to 128 characters', () => {
  assert.equal(parseSamlProviderArn(`arn:aws:iam::${ACCOUNT}:saml-provider/Sesame_prod.v2-eu`).providerName, 'Sesame_prod.v2-eu');
  const longName = 'P'.repeat(128);
  assert.equal(parseSamlProviderArn(`arn:aws:iam::${ACCOUNT}:saml-provider/${longName}`).providerName, longName);
});

test('S6: rejects provider names outside [A-Za-z0-9._-]{1,128}, including paths', () => {
  for (const name of ['', 'Ses+ame', 'Ses@me', 'Ses=ame', 'team/Sesame', 'Sésame', 'P'.repeat(129)]) {
    assertAwsRuleError(
      () => parseSamlProviderArn(`arn:aws:iam::${ACCOUNT}:saml-provider/${name}`),
      'S6',
      /provider name .* 1–128 characters/,
    );
  }
});

test('S6: rejects malformed provider ARNs with the provider rule id', () => {
  assertAwsRuleError(() => parseSamlProviderArn(''), 'S6', /missing/);
  assertAwsRuleError(() => parseSamlProviderArn(`${PROVIDER} `), 'S6', /whitespace/);
  assertAwsRuleError(() => parseSamlProviderArn(`arn:aws:iam::${ACCOUNT}:saml-provider/Ses,ame`), 'S6', /comma/);
  assertAwsRuleError(() => parseSamlProviderArn('saml-provider/Sesame'), 'S6', /not an IAM ARN/);
  assertAwsRuleError(() => parseSamlProviderArn(`arn:aws-iso:iam::${ACCOUNT}:saml-provider/Sesame`), 'S6', /partition/);
  assertAwsRuleError(() => parseSamlProviderArn(`arn:aws:sts::${ACCOUNT}:saml-provider/Sesame`), 'S6', /service "sts"/);
  assertAwsRuleError(() => parseSamlProviderArn(`arn:aws:iam:eu-west-1:${ACCOUNT}:saml-provider/Sesame`), 'S6', /region/);
  assertAwsRuleError(() => parseSamlProviderArn('arn:aws:iam::1234:saml-provider/Sesame'), 'S6', /exactly 12 digits/);
  assertAwsRuleError(() => parseSamlProviderArn(ROLE), 'S6', /names a role, not a saml-provider — did you swap/);
  assertAwsRuleError(() => parseSamlProviderArn(`arn:aws:iam::${ACCOUNT}:oidc-provider/x`), 'S6', /expected saml-provider\/<name>/);
  assertAwsRuleError(() => parseSamlProviderArn(`${PROVIDER}:x`), 'S6', /not an IAM ARN/);
});

test('P1: rejects a provider ARN longer than 2048 characters', () => {
  assertAwsRuleError(() => parseSamlProviderArn(`arn:aws:iam::${ACCOUNT}:saml-provider/${'P'.repeat(2100)}`), 'P1');
});

// ---- pairs ----

test('S7: accepts a role and provider of the same account in each partition', () => {
  for (const partition of ['aws', 'aws-us-gov', 'aws-cn']) {
    const { role, provider } = checkRoleProviderPair(
      `arn:${partition}:iam::${ACCOUNT}:role/Admin`,
      `arn:${partition}:iam::${ACCOUNT}:saml-provider/Sesame`,
    );
    assert.equal(role.partition, partition);
    assert.equal(provider.partition, partition);
    assert.equal(role.roleName, 'Admin');
    assert.equal(provider.providerName, 'Sesame');
  }
});

test('S7: rejects a provider from another account and names the provider to use instead', () => {
  assertAwsRuleError(
    () => checkRoleProviderPair(ROLE, 'arn:aws:iam::444455556666:saml-provider/Sesame'),
    'S7',
    /account 111122223333 but provider .* account 444455556666 .* arn:aws:iam::111122223333:saml-provider\/Sesame$/,
  );
});

test('S7: rejects a provider from another partition', () => {
  assertAwsRuleError(
    () => checkRoleProviderPair(ROLE, `arn:aws-cn:iam::${ACCOUNT}:saml-provider/Sesame`),
    'S7',
    /partition aws but provider .* is in aws-cn/,
  );
  assertAwsRuleError(
    () => checkRoleProviderPair(`arn:aws-us-gov:iam::${ACCOUNT}:role/Admin`, PROVIDER),
    'S7',
    /partition aws-us-gov/,
  );
});

test('A1: a pair reports the role rule for a bad role and S6 for a bad provider', () => {
  assertAwsRuleError(() => checkRoleProviderPair('arn:aws:iam::1:role/Admin', PROVIDER), 'A1');
  assertAwsRuleError(() => checkRoleProviderPair(ROLE, 'arn:aws:iam::1:saml-provider/Sesame'), 'S6');
  assertAwsRuleError(() => checkRoleProviderPair(PROVIDER, ROLE), 'A1', /did you swap/);
});
