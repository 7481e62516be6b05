import { createHmac } from 'node:crypto';

/**
 * The SessionIndex one SP sees for one IdP session: HMAC(IdP SessionIndex, SP entityID). Each SP
 * gets its own value, so no SP learns the index another SP holds (a LogoutRequest naming it could
 * otherwise end that session, SAML profiles 4.4.3.4), and the IdP index itself never leaves Sesame
 * in an SP assertion. Stored with the SP session, it is how a LogoutRequest's SessionIndex is matched.
 */
export function spSessionIndex(idpSessionIndex: string, spEntityId: string): string {
  return '_' + createHmac('sha256', idpSessionIndex).update(spEntityId).digest('base64url');
}
