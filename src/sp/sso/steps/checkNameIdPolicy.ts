import { STATUS_INVALID_NAMEID_POLICY, STATUS_REQUESTER } from '../../../saml/buildResponse';
import { NAMEID_EMAIL, NAMEID_PERSISTENT, NAMEID_TRANSIENT, NAMEID_UNSPECIFIED } from '../../../saml/types';
import type { AuthnRequest } from '../../../saml/authnRequest';
import type { NameIdKind, ServiceProvider } from '../../serviceProvider';
import { SamlReplyError } from '../ssoTypes';

/**
 * NameIDPolicy (SAML core 3.4.1.1): the SP may ask for its configured format, or for a transient
 * one (random per session, reveals less than anything configured); "unspecified" or no policy gets
 * the configured format. A persistent NameID is a lasting identifier, so only an SP configured for
 * persistent gets one: an SP the admin set to transient (or e-mail, username) cannot upgrade itself
 * by asking. Anything else — e-mail when the admin chose an opaque ID, an unknown format, an
 * affiliation we do not run — is InvalidNameIDPolicy. The StatusMessage is fixed text: nothing from
 * the request is echoed into the signed reply.
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
      if (configured === 'persistent') return 'persistent';
      break;
    case NAMEID_TRANSIENT:
      return 'transient';
    case NAMEID_EMAIL:
      if (configured === 'email') return 'email';
      break;
    default:
      break;
  }
  throw refuse('The requested NameID format is not released to this service provider.');
}
