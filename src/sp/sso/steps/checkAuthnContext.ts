import { AUTHN_CONTEXT_REFEDS_MFA } from '../../../auth/authnContext';
import { STATUS_NO_AUTHN_CONTEXT, STATUS_RESPONDER } from '../../../saml/buildResponse';
import { AUTHN_CONTEXT_PASSWORD, AUTHN_CONTEXT_PASSWORD_PROTECTED } from '../../../saml/types';
import type { AuthnRequest } from '../../../saml/authnRequest';
import { SamlReplyError } from '../ssoTypes';

const UNSPECIFIED = 'urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified';
/** Strength order of the contexts Sesame can assert (SAML authn context §3.4): higher is stronger. */
const STRENGTH: Record<string, number> = {
  [UNSPECIFIED]: 0,
  [AUTHN_CONTEXT_PASSWORD]: 1,
  [AUTHN_CONTEXT_PASSWORD_PROTECTED]: 2,
  [AUTHN_CONTEXT_REFEDS_MFA]: 3,
};

/**
 * RequestedAuthnContext (SAML core 3.3.2.2.1): the context this sign-in really had must satisfy
 * the comparison against one of the requested classes; otherwise the SP hears NoAuthnContext
 * rather than getting a weaker assertion than it asked for.
 */
export function checkAuthnContext(requested: AuthnRequest['requestedAuthnContext'], actual: string): void {
  if (!requested || requested.classRefs.length === 0) return;
  const have = STRENGTH[actual] ?? 0;
  const ok = requested.classRefs.some((ref) => {
    if (requested.comparison === 'exact') return ref === actual || ref === UNSPECIFIED;
    const want = STRENGTH[ref];
    if (want === undefined) return false;
    if (requested.comparison === 'minimum') return have >= want;
    if (requested.comparison === 'better') return have > want;
    return have <= want;
  });
  if (!ok) {
    throw new SamlReplyError('request.authn-context', {
      code: STATUS_RESPONDER,
      subCode: STATUS_NO_AUTHN_CONTEXT,
      // Fixed text: the requested class references are the SP's own words, never echoed into a signed reply.
      message: 'The way this user signed in does not satisfy the requested authentication context.',
    });
  }
}
