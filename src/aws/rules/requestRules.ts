import { AwsRuleError } from '../awsRuleError';
import { parseRoleArn, parseSamlProviderArn } from '../arn';
import { MAX_SESSION_DURATION_SECONDS, MIN_SESSION_DURATION_SECONDS } from '../sessionDuration';
import { MAX_SESSION_DURATION_EXCEEDED, accessDenied, validationError } from './awsErrors';
import { ruleError, ruleWarning, type Finding } from './finding';
import { rolePairsOf, sessionDurationOf } from './attributeRules';
import { DEFAULT_DURATION_SECONDS, type AwsSamlRule } from './ruleContext';

/** P1: the request's own parameters: valid ARNs in one account, DurationSeconds 900–43200. */
export const requestParametersRule: AwsSamlRule = {
  id: 'P1',
  title: 'RoleArn, PrincipalArn and DurationSeconds are valid',
  check({ request }) {
    if (request === null) return [];
    const findings: Finding[] = [];
    try {
      const role = parseRoleArn(request.roleArn);
      const provider = parseSamlProviderArn(request.principalArn);
      if (role.accountId !== provider.accountId || role.partition !== provider.partition) {
        findings.push(ruleError('S7', `RoleArn ${request.roleArn} and PrincipalArn ${request.principalArn} are in different accounts`, "Name the SAML provider of the role's own account as PrincipalArn.", accessDenied()));
      }
    } catch (error) {
      if (!(error instanceof AwsRuleError)) throw error;
      findings.push(ruleError(error.rule, error.message.slice(error.rule.length + 2), 'Pass the role and provider ARNs exactly as the Role attribute lists them.', validationError(error.message.slice(error.rule.length + 2))));
    }
    const duration = request.durationSeconds;
    if (duration !== null && (!Number.isInteger(duration) || duration < MIN_SESSION_DURATION_SECONDS || duration > MAX_SESSION_DURATION_SECONDS)) {
      findings.push(ruleError('P1', `DurationSeconds is ${duration}; STS accepts ${MIN_SESSION_DURATION_SECONDS}–${MAX_SESSION_DURATION_SECONDS}`, `Ask for ${MIN_SESSION_DURATION_SECONDS}–${MAX_SESSION_DURATION_SECONDS} seconds.`, validationError(`1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value ${duration < MIN_SESSION_DURATION_SECONDS ? `greater than or equal to ${MIN_SESSION_DURATION_SECONDS}` : `less than or equal to ${MAX_SESSION_DURATION_SECONDS}`}`)));
    }
    return findings;
  },
};

/**
 * A1 for the request: the RoleArn/PrincipalArn pair must be one the IdP granted. Whether STS itself
 * insists is unconfirmed (rules §12.6); we refuse, because an IdP that did not grant a role must not
 * yield credentials for it.
 */
export const requestedRolePairRule: AwsSamlRule = {
  id: 'A1',
  title: 'The requested role/provider pair is in the Role attribute',
  check({ facts, request }) {
    if (request === null) return [];
    const pairs = rolePairsOf(facts.assertion);
    if (pairs.some((p) => p.roleArn === request.roleArn && p.providerArn === request.principalArn)) return [];
    const sameRole = pairs.find((p) => p.roleArn === request.roleArn);
    const offered = pairs.length === 0 ? 'none' : pairs.map((p) => p.roleArn).join(', ');
    const message = sameRole
      ? `Role ${request.roleArn} is granted with provider ${sameRole.providerArn}, but the request names provider ${request.principalArn}`
      : `Role ${request.roleArn} is not in the response's Role attribute (it offers: ${offered})`;
    return [ruleError('A1', message, sameRole ? `Pass --principal-arn ${sameRole.providerArn}.` : 'Grant the role to one of the user\'s groups (sesame grant add), or request one the response offers.', accessDenied())];
  },
};

/** The duration the request asks for: DurationSeconds, or STS's default. */
export function requestedDuration(durationSeconds: number | null): number {
  return durationSeconds ?? DEFAULT_DURATION_SECONDS;
}

/**
 * T6/A3: DurationSeconds may not exceed the role's MaxSessionDuration (ValidationError). Above the
 * response's SessionDuration it is not refused: AWS shortens the credentials to SessionDuration.
 */
export const durationRule: AwsSamlRule = {
  id: 'T6',
  title: "DurationSeconds within the role's MaxSessionDuration; SessionDuration caps it",
  check({ facts, request, role }) {
    if (request === null) return [];
    const findings: Finding[] = [];
    const duration = requestedDuration(request.durationSeconds);
    if (role !== null && duration > role.maxSessionDuration) {
      findings.push(ruleError('T6', `DurationSeconds is ${duration} s but the role's MaxSessionDuration is ${role.maxSessionDuration} s`, `Ask for at most ${role.maxSessionDuration} s, or raise the role's maximum session duration in IAM (aws iam update-role --max-session-duration ${duration}).`, validationError(MAX_SESSION_DURATION_EXCEEDED)));
    }
    const sessionDuration = sessionDurationOf(facts.assertion);
    if (sessionDuration !== null && duration > sessionDuration) {
      findings.push(ruleWarning('A3', `DurationSeconds is ${duration} s but the response's SessionDuration is ${sessionDuration} s: AWS issues credentials for ${sessionDuration} s only`, `Ask for at most ${sessionDuration} s, or grant a longer duration (sesame grant add --duration).`));
    }
    return findings;
  },
};
