import { INTAKE_RULES, SamlIntakeError } from './samlIntakeError';

export const SIG_RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const SIG_RSA_SHA512 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512';
export const SIG_RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
export const DIGEST_SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
export const DIGEST_SHA512 = 'http://www.w3.org/2001/04/xmlenc#sha512';
export const DIGEST_SHA1 = 'http://www.w3.org/2000/09/xmldsig#sha1';
export const C14N_EXCLUSIVE = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const TRANSFORM_ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

/** Node's name for each signature algorithm we accept. */
const SIGNATURES: Record<string, { node: string; sha1: boolean }> = {
  [SIG_RSA_SHA256]: { node: 'RSA-SHA256', sha1: false },
  [SIG_RSA_SHA512]: { node: 'RSA-SHA512', sha1: false },
  [SIG_RSA_SHA1]: { node: 'RSA-SHA1', sha1: true },
};
const DIGESTS: Record<string, { sha1: boolean }> = {
  [DIGEST_SHA256]: { sha1: false },
  [DIGEST_SHA512]: { sha1: false },
  [DIGEST_SHA1]: { sha1: true },
};

/**
 * The algorithm allow-list: RSA with SHA-256/512 and exclusive C14N without comments. SHA-1 only
 * for an SP an admin configured to need it; HMAC (key confusion), the #WithComments
 * canonicalizers and anything unknown never (samlify's fallback to RSA-SHA1 on an unknown SigAlg
 * was a downgrade, security-notes §2.3).
 */
export function checkSignatureAlgorithm(uri: string, allowSha1: boolean): string {
  const known = SIGNATURES[uri];
  if (!known) throw new SamlIntakeError(INTAKE_RULES.signatureAlgorithm, `The signature algorithm "${uri.slice(0, 120)}" is not accepted; use RSA-SHA256.`);
  if (known.sha1 && !allowSha1) {
    throw new SamlIntakeError(INTAKE_RULES.signatureAlgorithm, 'The message is signed with RSA-SHA1, which this SP is not allowed to use; sign with RSA-SHA256 (or an admin sets allow-sha1 for this SP).');
  }
  return known.node;
}

export function checkDigestAlgorithm(uri: string, allowSha1: boolean): void {
  const known = DIGESTS[uri];
  if (!known) throw new SamlIntakeError(INTAKE_RULES.signatureAlgorithm, `The digest algorithm "${uri.slice(0, 120)}" is not accepted; use SHA-256.`);
  if (known.sha1 && !allowSha1) {
    throw new SamlIntakeError(INTAKE_RULES.signatureAlgorithm, 'The message uses SHA-1 digests, which this SP is not allowed to use; use SHA-256 (or an admin sets allow-sha1 for this SP).');
  }
}

export function checkCanonicalization(uri: string): void {
  if (uri !== C14N_EXCLUSIVE) {
    throw new SamlIntakeError(INTAKE_RULES.signatureAlgorithm, `The canonicalization "${uri.slice(0, 120)}" is not accepted; use exclusive C14N without comments (${C14N_EXCLUSIVE}).`);
  }
}
