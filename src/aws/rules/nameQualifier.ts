import { createHash } from 'node:crypto';

/**
 * N3: the NameQualifier STS reports (and `saml:namequalifier`): Base64(SHA1(Issuer + AccountId + "/"
 * + ProviderName)). The pseudocode in AWS's docs is right; the prose ("separated by '/'") is not —
 * verified against a real STS response (rules N3).
 */
export function nameQualifier(issuer: string, accountId: string, providerName: string): string {
  return createHash('sha1').update(`${issuer}${accountId}/${providerName}`, 'utf8').digest('base64');
}

const UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';

/**
 * N3: SubjectType is the NameID Format without the SAML 2.0 nameid-format prefix; other formats are
 * documented as returned unchanged, except that a real response showed "unspecified" for the 1.1
 * unspecified format (or none).
 */
export function subjectType(format: string | null): string {
  const effective = format ?? UNSPECIFIED;
  if (effective === UNSPECIFIED) return 'unspecified';
  const prefix = 'urn:oasis:names:tc:SAML:2.0:nameid-format:';
  return effective.startsWith(prefix) ? effective.slice(prefix.length) : effective;
}
