import type { AwsError } from './finding';

/**
 * AWS's answers to a bad AssumeRoleWithSAML, with the wire codes and HTTP statuses of the STS API
 * model (rules P3). Messages quote AWS's own wording where it is documented or observed; where AWS
 * says nothing, the message is ours and plain.
 */

/** "Not authorized to perform sts:AssumeRoleWithSAML" — trust policy, role or NameID problems (P3, R3). */
export function accessDenied(): AwsError {
  return { code: 'AccessDenied', httpStatus: 403, message: 'Not authorized to perform sts:AssumeRoleWithSAML' };
}

/** The assertion failed validation (P3). */
export function invalidIdentityToken(message: string): AwsError {
  return { code: 'InvalidIdentityToken', httpStatus: 400, message };
}

/** Wire code per the botocore model; AWS's prose calls it `ExpiredToken` (P3, T2, T3). */
export function expiredTokenException(message: string): AwsError {
  return { code: 'ExpiredTokenException', httpStatus: 400, message };
}

/** A parameter broke its constraint (P1, T6). */
export function validationError(message: string): AwsError {
  return { code: 'ValidationError', httpStatus: 400, message };
}

/** The IdP itself reported a failure (non-Success status) (P3). */
export function idpRejectedClaim(message: string): AwsError {
  return { code: 'IDPRejectedClaim', httpStatus: 403, message };
}

export const RESPONSE_SIGNATURE_INVALID = 'Response signature invalid';
export const RESPONSE_EXPIRED = 'Response has expired';
export const REDEEM_WITHIN_5_MINUTES = 'Token must be redeemed within 5 minutes of issuance';
export const ROLE_SESSION_NAME_REQUIRED = 'RoleSessionName is required in AuthnResponse';
export const ROLE_SESSION_NAME_PATTERN_MESSAGE = 'RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}';
export const SOURCE_IDENTITY_PATTERN_MESSAGE = 'Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64}';
export const ISSUER_NOT_IN_PROVIDER = 'Issuer not present in specified provider';
export const PROVIDER_DOES_NOT_EXIST = "Specified provider doesn't exist";
export const AUDIENCE_MISSING = 'Response does not contain the required audience';
export const MAX_SESSION_DURATION_EXCEEDED = 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.';
