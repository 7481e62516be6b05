/** The AWS SAML rule set (aws-saml-rules.md), one implementation for the STS emulator and `sesame doctor`. */
export { judgeSamlResponse, partitionOf, type JudgeInput, type Judgement } from './judgeSamlResponse';
export { rolePairsOf, sessionDurationOf, type RolePair } from './attributeRules';
export { readProviderMetadata, type TrustedProvider, type ProviderCertificate, type MetadataReading } from './providerMetadata';
export { defaultRoleTrust, DEFAULT_CLOCK_POLICY, DEFAULT_DURATION_SECONDS, DEFAULT_MAX_SESSION_DURATION, type AssumeRoleRequest, type RoleTrust, type ClockPolicy, type AwsSamlRule, type RuleContext } from './ruleContext';
export { AWS_SAML_RULES } from './ruleSet';
export { isError, type AwsError, type Finding, type Severity } from './finding';
export { nameQualifier, subjectType } from './nameQualifier';
export type { AssumedRoleSession } from './assumedSession';
export type { ResponseFacts } from './responseFacts';
