import { attributeHygieneRule, roleAttributeRule, roleSessionNameRule, sessionDurationRule, sessionTagsRule, sourceIdentityRule, transitiveTagKeysRule } from './attributeRules';
import { audienceRule } from './audienceRule';
import { durationRule, requestParametersRule, requestedRolePairRule } from './requestRules';
import { assertionOrderRule, destinationRule, inResponseToRule, prefixRule, responseEnvelopeRule } from './responseRules';
import type { AwsSamlRule } from './ruleContext';
import { nameIdRule, subjectConfirmationRule } from './subjectRules';
import { redemptionWindowRule, timestampSyntaxRule, validityWindowRule } from './timeRules';
import { trustPolicyRule } from './trustRules';

/**
 * The rules that read a verified response, in the order the emulator reports them: when several
 * break, STS answers with the first. The order follows what a service must know before the next
 * question makes sense — is the request well-formed, did the IdP succeed, is it still valid, is it
 * for AWS, who is it, which role, may that role be assumed, for how long.
 */
export const AWS_SAML_RULES: readonly AwsSamlRule[] = [
  requestParametersRule,
  responseEnvelopeRule,
  timestampSyntaxRule,
  validityWindowRule,
  redemptionWindowRule,
  audienceRule,
  subjectConfirmationRule,
  assertionOrderRule,
  nameIdRule,
  roleSessionNameRule,
  roleAttributeRule,
  requestedRolePairRule,
  sessionDurationRule,
  sourceIdentityRule,
  sessionTagsRule,
  transitiveTagKeysRule,
  trustPolicyRule,
  durationRule,
  destinationRule,
  inResponseToRule,
  prefixRule,
  attributeHygieneRule,
];
