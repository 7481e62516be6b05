import { SamlIntakeError } from '../../../saml/intake/samlIntakeError';
import type { AuthnRequest } from '../../../saml/authnRequest';
import { BINDING_HTTP_POST, defaultAcs, type ServiceProvider } from '../../serviceProvider';

/**
 * Where the response goes: only ever one of the SP's registered HTTP-POST ACS endpoints. A URL is
 * compared exactly (no prefix or host matching); an index must exist. An unregistered URL is an
 * error page, never a redirect, so the SSO endpoint cannot be used to ship assertions elsewhere.
 */
export function selectAcs(sp: ServiceProvider, request: Pick<AuthnRequest, 'acsUrl' | 'acsIndex'>): string {
  const post = sp.acs.filter((e) => e.binding === BINDING_HTTP_POST);
  if (request.acsUrl !== null) {
    if (!post.some((e) => e.location === request.acsUrl)) {
      throw new SamlIntakeError('request.acs', `The ACS URL ${JSON.stringify(request.acsUrl.slice(0, 200))} is not registered for "${sp.entityId}"; an administrator must upload metadata that lists it.`, 403);
    }
    return request.acsUrl;
  }
  if (request.acsIndex !== null) {
    const byIndex = post.find((e) => e.index === request.acsIndex);
    if (!byIndex) throw new SamlIntakeError('request.acs', `"${sp.entityId}" has no HTTP-POST ACS with index ${request.acsIndex}.`, 403);
    return byIndex.location;
  }
  const fallback = defaultAcs(sp);
  if (!fallback) throw new SamlIntakeError('request.acs', `"${sp.entityId}" has no HTTP-POST ACS registered.`, 403);
  return fallback.location;
}
