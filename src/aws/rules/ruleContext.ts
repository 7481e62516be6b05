import type { SamlProviderArn } from '../arn';
import { AWS_PARTITIONS, type AwsPartition } from '../partitions';
import type { Finding } from './finding';
import type { TrustedProvider } from './providerMetadata';
import type { ResponseFacts } from './responseFacts';

/** The parameters of an AssumeRoleWithSAML call that the rules judge (P1). */
export interface AssumeRoleRequest {
  roleArn: string;
  principalArn: string;
  /** DurationSeconds as sent, or null when absent (AWS then uses 3600). */
  durationSeconds: number | null;
}

/** What the target IAM role contributes: its MaxSessionDuration and its trust policy (T6, TP1–TP3). */
export interface RoleTrust {
  /** Seconds, 3600–43200 (IAM's default for a new role is 3600). */
  maxSessionDuration: number;
  /** `StringEquals SAML:aud` values of the trust policy, compared with the Recipient (E7, TP2); empty = no condition. */
  samlAud: string[];
  /** SAML providers the trust policy names as Federated principal; null = any provider of the role's account. */
  trustedProviderArns: string[] | null;
  /** Whether the trust policy allows sts:TagSession (A5) and sts:SetSourceIdentity (A4). */
  allowTagSession: boolean;
  allowSetSourceIdentity: boolean;
  /** False when the account's role registry has no such role. */
  exists: boolean;
}

/** IAM's default for a new role, and a trust policy as the IAM console's SAML wizard writes it (TP2). */
export const DEFAULT_MAX_SESSION_DURATION = 3600;
export const DEFAULT_DURATION_SECONDS = 3600;

export function defaultRoleTrust(partition: AwsPartition): RoleTrust {
  return {
    maxSessionDuration: DEFAULT_MAX_SESSION_DURATION,
    samlAud: [AWS_PARTITIONS[partition].defaultAcsUrl],
    trustedProviderArns: null,
    allowTagSession: true,
    allowSetSourceIdentity: true,
    exists: true,
  };
}

/** Timing choices where AWS documents nothing (rules §12.1); see README "STS emulator". */
export interface ClockPolicy {
  /** Tolerance for NotBefore and an IssueInstant in the future. Expiry (NotOnOrAfter) gets none (T2). */
  clockSkewSeconds: number;
  /** T3: an assertion older than this (from the earliest IssueInstant) is refused. */
  redemptionWindowSeconds: number;
}

export const DEFAULT_CLOCK_POLICY: ClockPolicy = { clockSkewSeconds: 60, redemptionWindowSeconds: 300 };

/** Everything a rule may look at. Rules are pure: no I/O, no clock but `now`. */
export interface RuleContext {
  facts: ResponseFacts;
  provider: TrustedProvider;
  /** The IAM SAML provider, when known (the emulator always knows; the doctor from --role/--provider-arn). */
  providerArn: SamlProviderArn | null;
  /** The provider's SAMLProviderUUID, when known: the IdP-ID of a provider-specific ACS URL (E4). */
  providerUuid: string | null;
  partition: AwsPartition;
  request: AssumeRoleRequest | null;
  role: RoleTrust | null;
  now: Date;
  clock: ClockPolicy;
}

/** One rule of aws-saml-rules.md: an id to quote and a pure check. */
export interface AwsSamlRule {
  id: string;
  title: string;
  check(ctx: RuleContext): Finding[];
}
