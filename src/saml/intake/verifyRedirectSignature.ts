import { verify } from 'node:crypto';
import type { SamlParameters } from './bindingParameters';
import { certificatePublicKey } from './certificates';
import { INTAKE_RULES, SamlIntakeError } from './samlIntakeError';
import { checkSignatureAlgorithm } from './signatureAlgorithms';

/**
 * HTTP-Redirect binding signature (SAML bindings 3.4.4.1): RSA over
 * "SAMLRequest=…[&RelayState=…]&SigAlg=…" built from the parameter bytes exactly as they arrived
 * in the query string, never re-encoded from decoded values (security-notes §2.3 item 4). Only the
 * sender's registered certificates are tried.
 */
export function verifyRedirectSignature(
  params: SamlParameters,
  messageParameter: 'SAMLRequest' | 'SAMLResponse',
  policy: { certificates: string[]; allowSha1: boolean },
): string {
  const message = params[messageParameter];
  const sigAlg = params.SigAlg;
  const signature = params.Signature;
  if (!signature || !sigAlg) throw new SamlIntakeError(INTAKE_RULES.signatureMissing, 'The message is not signed (the query string has no Signature and SigAlg).');
  if (!message) throw new SamlIntakeError(INTAKE_RULES.params, `${messageParameter} is missing.`);
  const nodeAlgorithm = checkSignatureAlgorithm(sigAlg.value, policy.allowSha1);
  if (policy.certificates.length === 0) {
    throw new SamlIntakeError(INTAKE_RULES.signatureUntrusted, 'The message is signed, but no signing certificate is registered for its sender; register the metadata with its signing key.', 403);
  }
  let octets = `${messageParameter}=${message.raw}`;
  if (params.RelayState) octets += `&RelayState=${params.RelayState.raw}`;
  octets += `&SigAlg=${sigAlg.raw}`;
  const compact = signature.value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw new SamlIntakeError(INTAKE_RULES.encoding, 'The Signature parameter is not base64.');
  const signatureBytes = Buffer.from(compact, 'base64');
  for (const certificate of policy.certificates) {
    if (verify(nodeAlgorithm, Buffer.from(octets, 'utf8'), certificatePublicKey(certificate), signatureBytes)) return sigAlg.value;
  }
  throw new SamlIntakeError(INTAKE_RULES.signatureInvalid, 'The query-string signature does not verify with any signing certificate registered for this sender (tampered, or signed with another key).', 403);
}
