import { parseRoleArn, type SamlProviderArn } from '../arn';
import { AWS_ROLE_SESSION_NAME_ATTRIBUTE, AWS_SOURCE_IDENTITY_ATTRIBUTE, AWS_TRANSITIVE_TAG_KEYS_ATTRIBUTE } from './awsAttributes';
import { sessionDurationOf, sessionTagsOf } from './attributeRules';
import { nameQualifier, subjectType } from './nameQualifier';
import { requestedDuration } from './requestRules';
import { attributeValues } from './responseFacts';
import type { RuleContext } from './ruleContext';
import { parseInstant } from './timeRules';

/** What STS grants for an accepted AssumeRoleWithSAML (P2, N3), every value from the signed assertion. */
export interface AssumedRoleSession {
  roleArn: string;
  principalArn: string;
  accountId: string;
  roleName: string;
  partition: string;
  roleSessionName: string;
  /** `arn:<partition>:sts::<account>:assumed-role/<RoleName>/<RoleSessionName>` */
  assumedRoleArn: string;
  sourceIdentity: string | null;
  tags: Array<{ key: string; value: string }>;
  transitiveTagKeys: string[];
  subject: string;
  subjectType: string;
  issuer: string;
  /** `saml:aud`: the Recipient, not the Audience (E7). */
  audience: string;
  nameQualifier: string;
  /** Credential lifetime: min(DurationSeconds or 3600, SessionDuration, SessionNotOnOrAfter − now) (T6). */
  lifetimeSeconds: number;
}

/** Builds the session from a context whose rules all passed (so every value below exists and is valid). */
export function assumedSessionOf(ctx: RuleContext & { providerArn: SamlProviderArn }): AssumedRoleSession {
  const { facts, request } = ctx;
  if (request === null) throw new Error('assumedSessionOf needs a request');
  const assertion = facts.assertion;
  const role = parseRoleArn(request.roleArn);
  const roleSessionName = attributeValues(assertion, AWS_ROLE_SESSION_NAME_ATTRIBUTE)![0]!;
  const issuer = assertion.issuers[0]!.value;
  const nameId = assertion.nameIds[0]!;
  let lifetime = requestedDuration(request.durationSeconds);
  const sessionDuration = sessionDurationOf(assertion);
  if (sessionDuration !== null) lifetime = Math.min(lifetime, sessionDuration);
  for (const statement of assertion.authnStatements) {
    const end = statement.sessionNotOnOrAfter === null ? null : parseInstant(statement.sessionNotOnOrAfter);
    if (end !== null) lifetime = Math.min(lifetime, Math.floor((end.ms - ctx.now.getTime()) / 1000));
  }
  return {
    roleArn: role.arn,
    principalArn: request.principalArn,
    accountId: role.accountId,
    roleName: role.roleName,
    partition: role.partition,
    roleSessionName,
    assumedRoleArn: `arn:${role.partition}:sts::${role.accountId}:assumed-role/${role.roleName}/${roleSessionName}`,
    sourceIdentity: attributeValues(assertion, AWS_SOURCE_IDENTITY_ATTRIBUTE)?.[0] ?? null,
    tags: sessionTagsOf(assertion),
    transitiveTagKeys: attributeValues(assertion, AWS_TRANSITIVE_TAG_KEYS_ATTRIBUTE) ?? [],
    subject: nameId.value,
    subjectType: subjectType(nameId.format),
    issuer,
    audience: assertion.subjectConfirmations[0]!.data[0]!.recipient!,
    nameQualifier: nameQualifier(issuer, ctx.providerArn.accountId, ctx.providerArn.providerName),
    lifetimeSeconds: Math.max(1, lifetime),
  };
}
