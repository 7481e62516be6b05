import { STATUS_INVALID_NAMEID_POLICY, STATUS_REQUESTER } from '../../../saml/buildResponse';
import { NAMEID_EMAIL, NAMEID_PERSISTENT, NAMEID_TRANSIENT, NAMEID_UNSPECIFIED } from '../../../saml/types';
import type { AuthnRequest } from '../../../saml/authnRequest';
import type { NameIdKind, ServiceProvider } from '../../serviceProvider';
import { SamlReplyError } from '../ssoTypes';

/**
 * NameIDPolicy (SAML core 3.4.1.1): the SP may ask for its configured format, or for an opaque one
 * (persistent, transient) which never reveals more than the admin allowed; "unspecified" or no
 * policy gets the configured format. Anything else — e-mail when the admin chose an opaque ID, an
 * unknown format, an affiliation we do not run — is InvalidNameIDPolicy.
 */
export function checkNameIdPolicy(sp: ServiceProvider, policy: AuthnRequest['nameIdPolicy']): NameIdKind {
  const configured = sp.settings.nameId;
  if (!policy) return configured;
  const refuse = (message: string) =>
    new SamlReplyError('request.nameid-policy', { code: STATUS_REQUESTER, subCode: STATUS_INVALID_NAMEID_POLICY, message });
  if (policy.spNameQualifier !== null && policy.spNameQualifier !== sp.entityId && policy.spNameQualifier !== sp.settings.audience) {
    throw refuse('SPNameQualifier names another entity; affiliations are not supported.');
  }
  switch (policy.format) {
    case null:
    case NAMEID_UNSPECIFIED:
      return configured;
    case NAMEID_PERSISTENT:
      if (configured === 'persistent' || configured === 'transient') return 'persistent';
      break;
    case NAMEID_TRANSIENT:
      return 'transient';
    case NAMEID_EMAIL:
      if (configured === 'email') return 'email';
      break;
    default:
      break;
  }
  throw refuse(`The NameID format ${policy.format} is not released to this service provider.`);
}
