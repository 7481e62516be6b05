import { AUTHN_CONTEXT_PASSWORD, AUTHN_CONTEXT_PASSWORD_PROTECTED } from '../saml/types';

/** REFEDS MFA profile: the widely recognised way to tell an SP that a second factor was used. */
export const AUTHN_CONTEXT_REFEDS_MFA = 'https://refeds.org/profile/mfa';

/**
 * The AuthnContextClassRef an assertion may honestly claim for how the user signed in:
 * a password over TLS is PasswordProtectedTransport, over plain HTTP only Password (SAML authn
 * context spec §3.4); a second factor on top is REFEDS MFA.
 */
export function authnContextFor(signIn: { overTls: boolean; secondFactor: boolean }): string {
  if (signIn.secondFactor) return AUTHN_CONTEXT_REFEDS_MFA;
  return signIn.overTls ? AUTHN_CONTEXT_PASSWORD_PROTECTED : AUTHN_CONTEXT_PASSWORD;
}
