import { AWS_PARTITION_IDS, AWS_PARTITIONS } from './partitions';

function hostOf(value: string): string | null {
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    return url.hostname.toLowerCase().replace(/\.+$/, '');
  } catch {
    return null;
  }
}

/**
 * Whether `value` is a host AWS signs users in at, in any partition: `signin.<domain>` or
 * `<anything>.signin.<domain>`, any scheme, port or path (E2). Looser than isAwsSigninSamlUrl on
 * purpose: it decides what a third-party SP may NOT use, so look-alike spellings count too.
 */
export function isAwsSigninHostUrl(value: string): boolean {
  const host = hostOf(value);
  if (host === null) return false;
  return AWS_PARTITION_IDS.some((partition) => {
    const base = `signin.${AWS_PARTITIONS[partition].signinDomain}`;
    return host === base || host.endsWith(`.${base}`);
  });
}

/**
 * Whether AWS could take `value` as its own audience in some partition (E6): the `urn:amazon:`
 * namespace (urn:amazon:webservices, …:govcloud, …:cn-north-1, and whatever AWS adds there) or a
 * sign-in URL. An SP registered from metadata must never have such an entityID or Audience: an
 * assertion issued to it would be a valid AWS sign-in for whoever runs its ACS.
 */
export function isAwsAudienceLike(value: string): boolean {
  return /^urn:amazon:/i.test(value.trim()) || isAwsSigninHostUrl(value.trim());
}
