import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './apiErrors';
import type { ApiTokenService, ResolvedApiToken } from '../../auth/apiTokens';
import type { Store } from '../../store/store';
import type { SecondFactorCheck } from '../../auth/secondFactor';

declare module 'express-serve-static-core' {
  interface Request {
    /** The live bearer token of a JSON API request and its user, set by requireBearerToken. */
    apiToken?: ResolvedApiToken;
  }
}

/**
 * The JSON API is for programs, not for web pages: a browser page on another origin must not be able
 * to sign a user in or fetch an assertion with it. Browsers announce themselves with Origin on
 * cross-origin requests (and on every POST); command-line clients send none. No CORS header is ever
 * sent, so a preflight (which JSON bodies and Authorization headers force) fails anyway; this refusal
 * also covers the "simple" requests a hostile page can send without one.
 */
export function refuseBrowserOrigins(ownOrigin: string, store: Store) {
  const refuse = async (req: Request, reason: string, message: string): Promise<ApiError> => {
    await store.appendAudit({
      event: 'api.request.refused',
      actor: 'anonymous',
      clientIp: req.ip ?? null,
      details: { channel: 'api', call: `${req.method} ${req.baseUrl}${req.path}`, reason, origin: (req.get('origin') ?? '').slice(0, 200) || null },
    });
    return new ApiError(403, 'cross_origin_refused', message);
  };
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const origin = req.get('origin');
    const site = req.get('sec-fetch-site');
    if ((origin !== undefined && origin !== ownOrigin) || (site !== undefined && site !== 'same-origin' && site !== 'none')) {
      return next(await refuse(req, 'cross-origin browser request', 'The Sesame API does not serve web pages on other origins; use it from a program such as sesame-aws.'));
    }
    if (req.method === 'OPTIONS') return next(await refuse(req, 'CORS preflight', 'The Sesame API does not answer CORS preflight requests.'));
    next();
  };
}

/** A POST body must be JSON: a cross-site form cannot send application/json without a preflight. */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  if (!req.is('application/json')) return next(new ApiError(415, 'unsupported_media_type', 'Send the body as application/json.'));
  if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
    return next(new ApiError(400, 'invalid_request', 'The body must be a JSON object.'));
  }
  next();
}

const INVALID_TOKEN = 'The bearer token is missing, expired or revoked: sign in again (POST /api/v1/session).';

const OTP_NOW_REQUIRED = 'Your account now needs a one-time code: sign in again (POST /api/v1/session) with "otp".';

/**
 * Authenticates an API call by its `Authorization: Bearer` token (RFC 6750). Never a cookie, so the
 * API needs no CSRF token and no browser can ride a user's session into it. A token made without a
 * second factor stops working once the user needs one (enrolled since, or put in a group that
 * requires one): 401 otp_required. Every refusal is audited (without the token).
 */
export function requireBearerToken(deps: { apiTokens: ApiTokenService; store: Store; secondFactor?: SecondFactorCheck }) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer ([\x21-\x7e]{1,256})$/.exec(header);
    const resolved = match ? await deps.apiTokens.resolve(match[1]!) : null;
    if (!resolved) {
      await deps.store.appendAudit({
        event: 'api.token.refused',
        actor: 'anonymous',
        clientIp: req.ip ?? null,
        details: { channel: 'api', call: `${req.method} ${req.baseUrl}${req.path}`, reason: match ? 'unknown, expired or revoked token' : 'no bearer token' },
      });
      const error = match ? 'invalid_token' : 'invalid_request';
      return next(
        new ApiError(401, 'invalid_token', INVALID_TOKEN, undefined, { 'WWW-Authenticate': `Bearer realm="sesame", error="${error}"` }),
      );
    }
    if (!resolved.record.secondFactor && deps.secondFactor && (await deps.secondFactor.isRequired(resolved.user))) {
      await deps.store.appendAudit({
        event: 'api.token.refused',
        actor: resolved.user.username,
        subject: resolved.user.username,
        clientIp: req.ip ?? null,
        details: { channel: 'api', call: `${req.method} ${req.baseUrl}${req.path}`, reason: 'second_factor_required', token: resolved.record.tokenHash.slice(0, 12) },
      });
      return next(new ApiError(401, 'otp_required', OTP_NOW_REQUIRED, undefined, { 'WWW-Authenticate': 'Bearer realm="sesame", error="invalid_token"' }));
    }
    req.apiToken = resolved;
    next();
  };
}
