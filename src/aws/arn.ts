import { AwsRuleError } from './awsRuleError';
import { AWS_PARTITION_IDS, isAwsPartition, type AwsPartition } from './partitions';
import { quoteInput } from './quoteInput';

/** An IAM role ARN that can go into a Role attribute pair (A1). */
export interface RoleArn {
  arn: string;
  partition: AwsPartition;
  accountId: string;
  /** IAM path, `/` when the ARN has none, else `/a/b/`. */
  path: string;
  roleName: string;
}

/** An IAM SAML provider ARN (S6). */
export interface SamlProviderArn {
  arn: string;
  partition: AwsPartition;
  accountId: string;
  providerName: string;
}

/** STS caps RoleArn and PrincipalArn at 2048 characters (P1). */
const MAX_ARN_LENGTH = 2048;
/** IAM caps a role path at 512 characters. */
const MAX_ROLE_PATH_LENGTH = 512;

const ACCOUNT_ID_PATTERN = /^\d{12}$/;
// IAM also allows commas in role names, but such a role cannot be named in a Role pair (A1).
const ROLE_NAME_PATTERN = /^[\w+=.@-]{1,64}$/;
// IAM allows any printable ASCII in a path segment; commas are refused for the same reason as in
// names, and colons never reach here because they split the ARN fields.
const ROLE_PATH_SEGMENT_PATTERN = /^[\x21-\x2b\x2d-\x2e\x30-\x7e]+$/;
// The IAM model pattern is [\w._-]+; the prose also lists +=,@ — we stay within the safe subset (S6).
const PROVIDER_NAME_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
// Any Unicode whitespace or control character; a pasted ARN with a trailing newline or a
// non-breaking space looks right on screen and fails at AWS.
const WHITESPACE_OR_CONTROL = /[\s\p{Cc}\p{Cf}]/u;

const RESERVED_SSO_ROLE_PREFIX = 'AWSReservedSSO_';

type ArnKind = 'role' | 'saml-provider';

interface ArnFields {
  partition: AwsPartition;
  accountId: string;
  resource: string;
}

const EXAMPLES: Record<ArnKind, string> = {
  role: 'arn:aws:iam::111122223333:role/Admin',
  'saml-provider': 'arn:aws:iam::111122223333:saml-provider/Sesame',
};

/** Checks what role and provider ARNs share: shape, partition, service, region and account. */
function splitIamArn(text: unknown, kind: ArnKind, rule: string): ArnFields {
  const label = kind === 'role' ? 'role ARN' : 'SAML provider ARN';
  const fail = (problem: string): never => {
    throw new AwsRuleError(rule, `${label} ${quoteInput(text)} ${problem}`);
  };
  if (typeof text !== 'string' || text === '') {
    return fail(`is missing — expected an ARN like ${EXAMPLES[kind]}`);
  }
  if (text.length > MAX_ARN_LENGTH) {
    throw new AwsRuleError(
      'P1',
      `${label} ${quoteInput(text)} is ${text.length} characters long — STS accepts at most ${MAX_ARN_LENGTH}`,
    );
  }
  if (WHITESPACE_OR_CONTROL.test(text)) {
    return fail('contains whitespace or an invisible character — remove it (copy the ARN from the IAM console again)');
  }
  if (text.includes(',')) {
    return fail(
      'contains a comma — the Role attribute joins role and provider ARNs with a comma (A1), ' +
        'so an ARN used with SAML must not contain one; rename the role or provider',
    );
  }
  const fields = text.split(':');
  if (fields[0] !== 'arn' || fields.length !== 6) {
    return fail(`is not an IAM ARN — expected the form ${EXAMPLES[kind]}`);
  }
  const [, partition, service, region, accountId, resource] = fields as [string, string, string, string, string, string];
  if (!isAwsPartition(partition)) {
    return fail(`has partition ${quoteInput(partition)} — Sesame supports ${AWS_PARTITION_IDS.join(', ')}`);
  }
  if (service !== 'iam') {
    const hint = service === 'sts' ? ' (an sts assumed-role ARN is a session, not the role itself)' : '';
    return fail(`has service ${quoteInput(service)}${hint} — ${kind} ARNs belong to iam, e.g. ${EXAMPLES[kind]}`);
  }
  if (region !== '') {
    return fail(`has region ${quoteInput(region)} — IAM is global, so the region field must be empty ("iam::")`);
  }
  if (!ACCOUNT_ID_PATTERN.test(accountId)) {
    return fail(`has account ${quoteInput(accountId)} — an AWS account id is exactly 12 digits`);
  }
  const otherKind: ArnKind = kind === 'role' ? 'saml-provider' : 'role';
  if (resource.startsWith(`${otherKind}/`)) {
    return fail(`names a ${otherKind}, not a ${kind} — did you swap the role and provider ARNs?`);
  }
  if (!resource.startsWith(`${kind}/`)) {
    return fail(`has resource ${quoteInput(resource)} — expected ${kind}/<name>, e.g. ${EXAMPLES[kind]}`);
  }
  return { partition, accountId, resource: resource.slice(kind.length + 1) };
}

/** Parses a role ARN as it must appear in a Role attribute pair (A1). */
export function parseRoleArn(text: string): RoleArn {
  const { partition, accountId, resource } = splitIamArn(text, 'role', 'A1');
  const fail = (problem: string): never => {
    throw new AwsRuleError('A1', `role ARN ${quoteInput(text)} ${problem}`);
  };
  const lastSlash = resource.lastIndexOf('/');
  const roleName = resource.slice(lastSlash + 1);
  const pathInside = resource.slice(0, lastSlash + 1);
  const path = `/${pathInside}`;
  if (pathInside !== '') {
    if (path.length > MAX_ROLE_PATH_LENGTH) {
      return fail(`has a ${path.length}-character path — IAM paths are at most ${MAX_ROLE_PATH_LENGTH} characters`);
    }
    const segments = pathInside.slice(0, -1).split('/');
    if (segments.some((segment) => !ROLE_PATH_SEGMENT_PATTERN.test(segment))) {
      return fail(`has path ${quoteInput(path)} — a path is "/" or "/segment/…/" with non-empty segments of printable ASCII`);
    }
  }
  if (roleName === '') {
    return fail('has no role name after the last "/" — expected role/<name> or role/<path>/<name>');
  }
  if (!ROLE_NAME_PATTERN.test(roleName)) {
    return fail(`has role name ${quoteInput(roleName)} — a role name is 1–64 characters of letters, digits and + = . @ _ -`);
  }
  if (roleName.startsWith(RESERVED_SSO_ROLE_PREFIX)) {
    return fail(
      `is an IAM Identity Center role (${RESERVED_SSO_ROLE_PREFIX}…) — AWS refuses AssumeRoleWithSAML for these; ` +
        'create a separate IAM role that trusts the Sesame SAML provider',
    );
  }
  return { arn: text, partition, accountId, path, roleName };
}

/** Parses an IAM SAML provider ARN, `arn:<partition>:iam::<account>:saml-provider/<Name>` (S6). */
export function parseSamlProviderArn(text: string): SamlProviderArn {
  const { partition, accountId, resource } = splitIamArn(text, 'saml-provider', 'S6');
  if (!PROVIDER_NAME_PATTERN.test(resource)) {
    throw new AwsRuleError(
      'S6',
      `SAML provider ARN ${quoteInput(text)} has provider name ${quoteInput(resource)} — ` +
        'a provider name is 1–128 characters of letters, digits and . _ - (no path)',
    );
  }
  return { arn: text, partition, accountId, providerName: resource };
}

/**
 * Checks one Role attribute pair: both ARNs valid, and the provider in the role's own partition and
 * account, because a role can only trust a SAML provider of its own account (S7).
 */
export function checkRoleProviderPair(
  roleArn: string,
  providerArn: string,
): { role: RoleArn; provider: SamlProviderArn } {
  const role = parseRoleArn(roleArn);
  const provider = parseSamlProviderArn(providerArn);
  if (role.partition !== provider.partition) {
    throw new AwsRuleError(
      'S7',
      `role ${quoteInput(role.arn)} is in partition ${role.partition} but provider ${quoteInput(provider.arn)} ` +
        `is in ${provider.partition} — use the SAML provider created in the role's own account`,
    );
  }
  if (role.accountId !== provider.accountId) {
    throw new AwsRuleError(
      'S7',
      `role ${quoteInput(role.arn)} is in account ${role.accountId} but provider ${quoteInput(provider.arn)} ` +
        `is in account ${provider.accountId} — each account needs its own SAML provider; pair the role with ` +
        `arn:${role.partition}:iam::${role.accountId}:saml-provider/${provider.providerName}`,
    );
  }
  return { role, provider };
}
