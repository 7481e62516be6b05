import { STATUS_AUTHN_FAILED, STATUS_RESPONDER } from '../../../saml/buildResponse';
import type { SecondFactorCheck } from '../../../auth/secondFactor';
import { SamlReplyError, type IdpSession } from '../ssoTypes';

/**
 * No assertion for a password-only session of a user who needs a second factor now (enrolled since,
 * or put in a group that requires one). The browser session is sent through the second step before
 * it gets here (web/signedInUser.ts); this is the last line, answered to the SP as AuthnFailed.
 */
export async function checkSecondFactor(secondFactor: SecondFactorCheck | undefined, session: IdpSession): Promise<void> {
  if (session.secondFactor || !secondFactor || !(await secondFactor.isRequired(session.user))) return;
  throw new SamlReplyError('sso.second-factor', {
    code: STATUS_RESPONDER,
    subCode: STATUS_AUTHN_FAILED,
    message: 'This account needs a second factor, and the sign-in had none.',
  });
}
