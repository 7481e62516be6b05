import { accessDenied } from './awsErrors';
import { ruleError, type Finding } from './finding';
import { AWS_SOURCE_IDENTITY_ATTRIBUTE } from './awsAttributes';
import { sessionTagsOf } from './attributeRules';
import { attributeValues } from './responseFacts';
import type { AwsSamlRule } from './ruleContext';

/**
 * TP1–TP3 and the permissions A4/A5 need: what the target role's trust policy decides. The emulator
 * takes the role from its registry (or the defaults of a role made by the IAM console's SAML wizard);
 * the doctor from --max-session-duration/--saml-aud or the same defaults.
 */
export const trustPolicyRule: AwsSamlRule = {
  id: 'TP1',
  title: "The role exists and its trust policy admits this provider, Recipient and attributes",
  check({ facts, request, role }) {
    if (role === null) return [];
    const findings: Finding[] = [];
    if (request !== null && !role.exists) {
      findings.push(ruleError('TP1', `Role ${request.roleArn} does not exist in the account`, 'Create the role in IAM, or fix the role ARN in the grant (role names are case-sensitive).', accessDenied()));
      return findings;
    }
    if (request !== null && role.trustedProviderArns !== null && !role.trustedProviderArns.includes(request.principalArn)) {
      findings.push(ruleError('TP1', `The trust policy of ${request.roleArn} does not name ${request.principalArn} as Federated principal (it trusts: ${role.trustedProviderArns.join(', ') || 'none'})`, `Add {"Federated": "${request.principalArn}"} with "sts:AssumeRoleWithSAML" to the role's trust policy.`, accessDenied()));
    }
    const recipient = facts.assertion.subjectConfirmations[0]?.data[0]?.recipient ?? null;
    if (role.samlAud.length > 0 && (recipient === null || !role.samlAud.includes(recipient))) {
      findings.push(
        ruleError(
          'TP2',
          `Recipient (the SAML:aud condition key) is ${JSON.stringify(recipient)}, but the role's trust policy requires SAML:aud ${role.samlAud.map((a) => JSON.stringify(a)).join(' or ')}`,
          `Set the IdP's sign-in URL (SESAME_AWS_SIGNIN_URL) to ${role.samlAud[0]}, or list ${JSON.stringify(recipient)} in the trust policy's SAML:aud condition (E7, TP2).`,
          accessDenied(),
        ),
      );
    }
    if (attributeValues(facts.assertion, AWS_SOURCE_IDENTITY_ATTRIBUTE) !== null && !role.allowSetSourceIdentity) {
      findings.push(ruleError('A4', 'The response sends SourceIdentity, but the role\'s trust policy does not allow sts:SetSourceIdentity', 'Add "sts:SetSourceIdentity" to the trust policy of every role reachable through this provider.', accessDenied()));
    }
    if (sessionTagsOf(facts.assertion).length > 0 && !role.allowTagSession) {
      findings.push(ruleError('A5', 'The response sends session tags (PrincipalTag), but the role\'s trust policy does not allow sts:TagSession', 'Add "sts:TagSession" to the trust policy of every role reachable through this provider.', accessDenied()));
    }
    return findings;
  },
};

