/** The AWS partitions Sesame can sign into; each is a separate world of accounts, endpoints and ARNs. */
export type AwsPartition = 'aws' | 'aws-us-gov' | 'aws-cn';

export const AWS_PARTITION_IDS: readonly AwsPartition[] = ['aws', 'aws-us-gov', 'aws-cn'];

export interface AwsPartitionEndpoints {
  /** Console sign-in ACS: where the browser POSTs SAMLResponse and the default Recipient/Destination (E1–E3, E5). */
  defaultAcsUrl: string;
  /** Default `Audience` (E6); AWS rejects a wrong value with "Response does not contain the required audience". */
  defaultAudience: string;
  /** Sign-in hosts are `signin.<domain>` and `<region>.signin.<domain>` (E2). */
  signinDomain: string;
  /** Console hosts are `console.<domain>` and `<region>.console.<domain>` (E8). */
  consoleDomain: string;
}

export const AWS_PARTITIONS: Readonly<Record<AwsPartition, Readonly<AwsPartitionEndpoints>>> = Object.freeze({
  aws: Object.freeze({
    defaultAcsUrl: 'https://signin.aws.amazon.com/saml',
    defaultAudience: 'urn:amazon:webservices',
    signinDomain: 'aws.amazon.com',
    consoleDomain: 'aws.amazon.com',
  }),
  'aws-us-gov': Object.freeze({
    defaultAcsUrl: 'https://signin.amazonaws-us-gov.com/saml',
    defaultAudience: 'urn:amazon:webservices:govcloud',
    signinDomain: 'amazonaws-us-gov.com',
    consoleDomain: 'amazonaws-us-gov.com',
  }),
  'aws-cn': Object.freeze({
    defaultAcsUrl: 'https://signin.amazonaws.cn/saml',
    // Not documented by AWS; the value working China configurations use (E6).
    defaultAudience: 'urn:amazon:webservices:cn-north-1',
    signinDomain: 'amazonaws.cn',
    consoleDomain: 'amazonaws.cn',
  }),
});

export function isAwsPartition(value: unknown): value is AwsPartition {
  return typeof value === 'string' && (AWS_PARTITION_IDS as readonly string[]).includes(value);
}

/** Region code shape: `us-east-2`, `eu-central-1`, `ap-southeast-1`, `us-gov-west-1`, `cn-north-1`. */
export const AWS_REGION_CODE_PATTERN = /^[a-z]{2}(?:-[a-z]+){1,2}-\d{1,2}$/;

/**
 * Whether a region code belongs to a partition. A GovCloud or China region under an aws.amazon.com
 * host (or the reverse) names a host AWS does not run; since these hosts receive bearer assertions
 * and deep links, anything that is not plausibly AWS's own is refused.
 */
export function isRegionInPartition(region: string, partition: AwsPartition): boolean {
  if (!AWS_REGION_CODE_PATTERN.test(region)) {
    return false;
  }
  switch (partition) {
    case 'aws-us-gov':
      return region.startsWith('us-gov-');
    case 'aws-cn':
      return region.startsWith('cn-');
    case 'aws':
      // us-iso-*, us-isob-*, eu-isoe-* … belong to isolated partitions with their own domains.
      return !region.startsWith('us-gov-') && !region.startsWith('cn-') && !/-iso[a-z]?-/.test(region);
  }
}

/**
 * Whether `hostname` (already lower-cased, as WHATWG URL gives it) is an AWS console host of the
 * partition: `console.<domain>` or `<region>.console.<domain>` (E8).
 */
export function isAwsConsoleHost(hostname: string, partition: AwsPartition): boolean {
  const base = `console.${AWS_PARTITIONS[partition].consoleDomain}`;
  if (hostname === base) {
    return true;
  }
  const suffix = `.${base}`;
  if (!hostname.endsWith(suffix)) {
    return false;
  }
  return isRegionInPartition(hostname.slice(0, -suffix.length), partition);
}

/** What an AWS sign-in SAML endpoint URL tells us. */
export interface AwsSigninSamlUrl {
  partition: AwsPartition;
  /** Region code of a regional endpoint, null for the default (us-east-1) host. */
  region: string | null;
  /** IdP-ID (`SAMLProviderUUID`) of a provider-specific `/saml/acs/<IdP-ID>` URL (E4), else null. */
  providerId: string | null;
}

const escapeForRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Matched against the raw string, not a WHATWG-normalised one: the value becomes Recipient and
// Destination, and trust policies compare `saml:aud` to it with StringEquals (E7, TP2), so
// `:443`, upper case or a trailing slash would be a different value even where a browser
// treats them as the same URL. Userinfo, ports, query and fragment cannot match.
const SIGNIN_SAML_URL_PATTERNS: ReadonlyArray<readonly [AwsPartition, RegExp]> = AWS_PARTITION_IDS.map(
  (partition) =>
    [
      partition,
      new RegExp(
        `^https://(?:([a-z0-9-]+)\\.)?signin\\.${escapeForRegExp(AWS_PARTITIONS[partition].signinDomain)}` +
          '/saml(?:/acs/([A-Z0-9]{22,64}))?$',
      ),
    ] as const,
);

/**
 * Recognises an AWS sign-in SAML endpoint (E2, E3, E4): the default host, a regional host, and the
 * provider-specific `/saml/acs/<IdP-ID>` form required when the IAM provider demands encrypted
 * assertions. Returns null for anything else, including look-alikes.
 */
export function isAwsSigninSamlUrl(url: string): AwsSigninSamlUrl | null {
  if (typeof url !== 'string') {
    return null;
  }
  for (const [partition, pattern] of SIGNIN_SAML_URL_PATTERNS) {
    const match = pattern.exec(url);
    if (!match) {
      continue;
    }
    const region = match[1] ?? null;
    if (region !== null && !isRegionInPartition(region, partition)) {
      return null;
    }
    return { partition, region, providerId: match[2] ?? null };
  }
  return null;
}
