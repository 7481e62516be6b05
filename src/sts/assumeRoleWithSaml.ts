import { randomBytes } from 'node:crypto';
import { AwsRuleError } from '../aws/awsRuleError';
import { parseRoleArn, parseSamlProviderArn } from '../aws/arn';
import { PROVIDER_DOES_NOT_EXIST } from '../aws/rules/awsErrors';
import { judgeSamlResponse } from '../aws/rules/judgeSamlResponse';
import type { ClockPolicy } from '../aws/rules/ruleContext';
import { base32Id, roleIdOf, type EmulatorState, type IssuedCredentials } from './emulatorState';
import { QueryError, awsTimestamp, type QueryParams, type XmlValue } from './queryProtocol';

const MIN_ARN_LENGTH = 20;
const MAX_ARN_LENGTH = 2048;
const MAX_POLICY_CHARS = 2048;
const MAX_POLICY_ARNS = 10;

function checkArnParameter(name: string, value: string): void {
  if (value.length < MIN_ARN_LENGTH || value.length > MAX_ARN_LENGTH) {
    throw new QueryError('ValidationError', 400, `1 validation error detected: Value at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must have length between ${MIN_ARN_LENGTH} and ${MAX_ARN_LENGTH}`, 'P1');
  }
}

/** Session policy parameters (P1): checked for shape; their permissions are not emulated. */
function checkSessionPolicy(params: QueryParams): number {
  const policy = params.get('Policy');
  const arns = params.list('PolicyArns', 'arn');
  if (arns.length > MAX_POLICY_ARNS) throw new QueryError('ValidationError', 400, `1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to ${MAX_POLICY_ARNS}`, 'P1');
  if (policy === null) return arns.join('').length;
  if (policy.length > MAX_POLICY_CHARS || !/^[\t\n\r\u0020-\u00FF]+$/.test(policy)) {
    throw new QueryError('ValidationError', 400, `1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to ${MAX_POLICY_CHARS} and match [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+`, 'P1');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch {
    parsed = null;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new QueryError('MalformedPolicyDocument', 400, 'The policy is not in the valid JSON format.', 'P1');
  return policy.length + arns.join('').length;
}

function parseDurationSeconds(value: string | null): number | null {
  if (value === null) return null;
  if (!/^[0-9]{1,9}$/.test(value)) throw new QueryError('ValidationError', 400, `1 validation error detected: Value '${value}' at 'durationSeconds' failed to satisfy constraint: Member must be an integer`, 'P1');
  return Number(value);
}

export interface AssumeRoleOutcome {
  result: { [name: string]: XmlValue };
  credentials: IssuedCredentials;
}

/**
 * AssumeRoleWithSAML as STS answers it: parameter checks (P1), the provider named by PrincipalArn,
 * then the shared rule set (judgeSamlResponse) against that provider's certificates and the role's
 * trust settings; on success, fresh temporary credentials the emulator will recognise until they
 * expire. Unsigned, like AWS (the call needs no credentials).
 */
export function assumeRoleWithSaml(params: QueryParams, state: EmulatorState, now: Date, clock: Partial<ClockPolicy>): AssumeRoleOutcome {
  const roleArn = params.required('RoleArn');
  const principalArn = params.required('PrincipalArn');
  const samlAssertion = params.required('SAMLAssertion');
  checkArnParameter('RoleArn', roleArn);
  checkArnParameter('PrincipalArn', principalArn);
  const durationSeconds = parseDurationSeconds(params.get('DurationSeconds'));
  const packedChars = checkSessionPolicy(params);

  try {
    parseRoleArn(roleArn);
    parseSamlProviderArn(principalArn);
  } catch (error) {
    if (error instanceof AwsRuleError) throw new QueryError('ValidationError', 400, error.message.slice(error.rule.length + 2), error.rule);
    throw error;
  }
  const provider = state.providers.get(principalArn);
  if (provider === undefined) throw new QueryError('InvalidIdentityToken', 400, PROVIDER_DOES_NOT_EXIST, 'A1');

  const judgement = judgeSamlResponse({
    samlResponse: samlAssertion,
    provider: provider.trusted,
    providerArn: provider.arn,
    providerUuid: provider.uuid,
    request: { roleArn, principalArn, durationSeconds },
    role: state.roleTrust(roleArn),
    now,
    clock,
  });
  if (!judgement.accepted || judgement.session === null) {
    const first = judgement.findings.find((f) => f.severity === 'error');
    const aws = judgement.rejection ?? { code: 'InvalidIdentityToken', httpStatus: 400, message: 'Invalid SAML response' };
    throw new QueryError(aws.code, aws.httpStatus, aws.message, first?.rule ?? null, first ? first.message : null);
  }
  const session = judgement.session;

  // Session tags and policies share a packed budget (A5, P3); this is an approximation of AWS's packing.
  const tagChars = session.tags.reduce((n, t) => n + t.key.length + t.value.length, 0) + session.transitiveTagKeys.join('').length;
  const packedPercent = Math.ceil((100 * (packedChars + tagChars)) / MAX_POLICY_CHARS);
  if (packedPercent > 100) throw new QueryError('PackedPolicyTooLarge', 400, `Packed size of consumed session policies and tags exceeds 100% (${packedPercent}%).`, 'A5');

  const roleId = roleIdOf(session.roleArn);
  const credentials: IssuedCredentials = {
    accessKeyId: 'ASIA' + base32Id(randomBytes(16), 16),
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: 'SesameSts' + randomBytes(120).toString('base64'),
    expiration: Math.floor(now.getTime() / 1000) * 1000 + session.lifetimeSeconds * 1000,
    arn: session.assumedRoleArn,
    userId: `${roleId}:${session.roleSessionName}`,
    accountId: session.accountId,
  };
  state.credentials.set(credentials.accessKeyId, credentials);
  state.purgeExpired(now);
  state.save();

  const result: { [name: string]: XmlValue } = {
    Credentials: {
      AccessKeyId: credentials.accessKeyId,
      SecretAccessKey: credentials.secretAccessKey,
      SessionToken: credentials.sessionToken,
      Expiration: awsTimestamp(new Date(credentials.expiration)),
    },
    AssumedRoleUser: { AssumedRoleId: credentials.userId, Arn: session.assumedRoleArn },
    Audience: session.audience,
    Issuer: session.issuer,
    Subject: session.subject,
    SubjectType: session.subjectType,
    NameQualifier: session.nameQualifier,
    SourceIdentity: session.sourceIdentity,
    PackedPolicySize: packedChars + tagChars > 0 ? packedPercent : null,
  };
  return { result, credentials };
}
