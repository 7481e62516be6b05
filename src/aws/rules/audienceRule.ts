import { AUDIENCE_MISSING, invalidIdentityToken } from './awsErrors';
import { ruleError, ruleWarning, type Finding } from './finding';
import { AWS_PARTITIONS, isAwsSigninSamlUrl, type AwsPartition } from '../partitions';
import type { AwsSamlRule } from './ruleContext';

/**
 * E6: the audiences AWS sign-in accepts for a partition: the SP entity ID of AWS's metadata, and the
 * sign-in URL itself (global or regional), which the IAM guide listed until 2023.
 */
export function acceptsAudience(audience: string, partition: AwsPartition): boolean {
  if (audience === AWS_PARTITIONS[partition].defaultAudience) return true;
  const endpoint = isAwsSigninSamlUrl(audience);
  return endpoint !== null && endpoint.partition === partition && endpoint.providerId === null;
}

export const audienceRule: AwsSamlRule = {
  id: 'E6',
  title: 'Audience is urn:amazon:webservices (or the sign-in URL)',
  check({ facts, partition }) {
    const expected = AWS_PARTITIONS[partition].defaultAudience;
    const fix = `Set the audience (SESAME_AWS_AUDIENCE) to ${expected}.`;
    const conditions = facts.assertion.conditions;
    if (conditions.length > 1) {
      return [ruleError('E6', `The Assertion has ${conditions.length} Conditions elements; SAML allows one`, 'Emit one saml:Conditions with one AudienceRestriction.', invalidIdentityToken('Invalid SAML response'))];
    }
    const restrictions = conditions[0]?.audienceRestrictions ?? [];
    if (restrictions.length === 0 || restrictions.some((r) => r.length === 0)) {
      return [ruleError('E6', `The Assertion has no Audience; AWS expects ${expected}`, fix, invalidIdentityToken(AUDIENCE_MISSING))];
    }
    const findings: Finding[] = [];
    for (const audiences of restrictions) {
      // Every AudienceRestriction must be satisfied; within one, any audience will do (SAML core 2.5.1.4).
      if (!audiences.some((a) => acceptsAudience(a, partition))) {
        findings.push(ruleError('E6', `Audience is ${audiences.map((a) => JSON.stringify(a)).join(', ')}; AWS expects ${expected}`, fix, invalidIdentityToken(AUDIENCE_MISSING)));
      }
    }
    const total = restrictions.reduce((n, r) => n + r.length, 0);
    if (findings.length === 0 && total > 1) {
      findings.push(ruleWarning('E6', `The Assertion names ${total} audiences`, `Emit one Audience, ${expected}: an assertion valid for several SPs can be replayed at each of them.`));
    }
    return findings;
  },
};
