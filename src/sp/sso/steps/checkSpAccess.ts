import { STATUS_REQUEST_DENIED, STATUS_RESPONDER } from '../../../saml/buildResponse';
import type { ServiceProvider } from '../../serviceProvider';
import { SamlReplyError } from '../ssoTypes';

/** The `groups` setting of any SP (the AWS console entries too): empty lets everyone in; names compare case-insensitively. */
export function isAllowedBySpGroups(allowed: readonly string[], userGroups: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const mine = new Set(userGroups.map((g) => g.toLowerCase()));
  return allowed.some((g) => mine.has(g.toLowerCase()));
}

/** Per-SP access: when groups are set, only their members get an assertion; others' SP hears RequestDenied. */
export function checkSpAccess(sp: ServiceProvider, userGroups: string[]): void {
  if (!isAllowedBySpGroups(sp.settings.allowedGroups, userGroups)) {
    throw new SamlReplyError('sp.access', {
      code: STATUS_RESPONDER,
      subCode: STATUS_REQUEST_DENIED,
      message: `You are not in a group allowed to use ${sp.settings.displayName}.`,
    });
  }
}
