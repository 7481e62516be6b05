import type { Request } from 'express';
import { EcpError } from '../../saml/ecpError';
import { looksLikeRecoveryCode } from '../../auth/recoveryCodes';
import type { NonBrowserSignIn } from '../../auth/nonBrowserSignIn';

export interface EcpCredentials {
  username: string;
  password: string;
  otp?: string;
}

/** The header an ECP client may carry the one-time code in, instead of appending it to the password. */
export const ECP_OTP_HEADER = 'X-Sesame-OTP';

export const BASIC_CHALLENGE = 'Basic realm="Sesame", charset="UTF-8"';

/**
 * Reads HTTP Basic credentials (RFC 7617), the authentication the SAML ECP profile names for the
 * IdP's SOAP endpoint, and finds the one-time code when the user has a second factor: the
 * `X-Sesame-OTP` header, else what follows the LAST separator in the password when it looks like
 * a code ("password,123456" or "password,abcd-efgh-jkmn"; the password itself may contain the
 * separator). For users without a second factor the password is always taken whole.
 */
export async function readEcpCredentials(req: Request, signIn: NonBrowserSignIn, separator: string): Promise<EcpCredentials> {
  const match = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(req.get('authorization') ?? '');
  if (!match) throw new EcpError('Client', 'Sign in with HTTP Basic authentication (username and password).', 401, 'saml-ecp-v2.0 §2.3.3');
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || decoded.length > 1400) throw new EcpError('Client', 'The Basic credentials must be "username:password".', 401);
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);

  const headerOtp = req.get(ECP_OTP_HEADER);
  if (headerOtp !== undefined) {
    if (headerOtp.length > 64) throw new EcpError('Client', `The ${ECP_OTP_HEADER} header is too long for a one-time code.`, 400);
    return { username, password, otp: headerOtp };
  }
  if (!(await signIn.secondFactorExpectedFor(username))) return { username, password };
  const at = password.lastIndexOf(separator);
  if (at <= 0) return { username, password };
  const code = password.slice(at + separator.length).trim();
  // Split only when what follows looks like a code, so a password that merely contains the
  // separator still reaches the "a one-time code is needed" answer instead of "wrong password".
  if (!looksLikeOneTimeCode(code)) return { username, password };
  return { username, password: password.slice(0, at), otp: code };
}

/** A TOTP code (6 digits) or a recovery code ("abcd-efgh-jkmn"). */
function looksLikeOneTimeCode(text: string): boolean {
  return /^\d{6}$/.test(text) || looksLikeRecoveryCode(text);
}
