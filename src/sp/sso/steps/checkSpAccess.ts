import { STATUS_REQUEST_DENIED, STATUS_RESPONDER } from '../../../saml/buildResponse';
import type { ServiceProvider } from '../../serviceProvider';
import { SamlReplyError } from '../ssoTypes';

/** Per-SP access: when groups are set, only their members get an assertion; others' SP hears RequestDenied. */
export function checkSpAccess(sp: ServiceProvider, userGroups: string[]): void {
  const allowed = sp.settings.allowedGroups;
  if (allowed.length === 0) return;
  const mine = new Set(userGroups.map((g) => g.toLowerCase()));
  if (!allowed.some((g) => mine.has(g.toLowerCase()))) {
    throw new SamlReplyError('sp.access', {
      code: STATUS_RESPONDER,
      subCode: STATUS_REQUEST_DENIED,
      message: `You are not in a group allowed to use ${sp.settings.displayName}.`,
    });
  }
}
