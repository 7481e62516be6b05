import { SamlIntakeError, INTAKE_RULES } from '../../../saml/intake/samlIntakeError';
import { hasXmlSignature, verifyEnvelopedSignature } from '../../../saml/intake/verifyEnvelopedSignature';
import { verifyRedirectSignature } from '../../../saml/intake/verifyRedirectSignature';
import type { ServiceProvider } from '../../serviceProvider';
import type { ReceivedMessage } from './receiveMessage';

export interface CheckedMessage {
  signed: boolean;
  /** The element to read from now on: for POST, parsed from the signed bytes only. */
  root: Element;
}

/**
 * Verifies the message's signature against the SP's registered certificates only: the query-string
 * signature for Redirect, the one enveloped signature for POST. A signature that is present is
 * always checked; a missing one is refused when `required` (SP metadata, per-SP setting or IdP
 * policy), which stops signature stripping (security-notes §2.3 item 2).
 */
export function checkMessageSignature(message: ReceivedMessage, sp: ServiceProvider, required: boolean): CheckedMessage {
  const policy = { certificates: sp.signingCertificates, allowSha1: sp.settings.allowSha1 };
  if (message.binding === 'redirect' && (message.params.Signature || message.params.SigAlg)) {
    // The query signature covers the whole DEFLATEd message, so an XML signature left inside it
    // (pysaml2 leaves one, though SAML bindings 3.4.4.1 says to remove it) adds nothing and is not read.
    verifyRedirectSignature(message.params, message.parameter, policy);
    return { signed: true, root: message.doc.documentElement };
  }
  if (hasXmlSignature(message.doc)) {
    const verified = verifyEnvelopedSignature(message.xml, message.doc, policy);
    return { signed: true, root: verified.signedDocument.documentElement };
  }
  if (required) {
    throw new SamlIntakeError(INTAKE_RULES.signatureMissing, `"${sp.entityId}" must sign its messages (its metadata, its settings or Sesame's policy require it), and this one is not signed.`, 403);
  }
  return { signed: false, root: message.doc.documentElement };
}
