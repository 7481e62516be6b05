import type { NextFunction, Request, Response } from 'express';
import { DirectoryUnavailableError } from '../../auth/ldap/directorySignIn';
import { HttpError } from '../httpError';

/**
 * An error of the JSON API: HTTP status, a stable machine-readable `code` a client can branch on,
 * and a message a person can act on. Extra headers (Retry-After, WWW-Authenticate) travel with it.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly rule?: string,
    readonly headers: Record<string, string> = {},
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const BODY_PARSER_ERRORS: Record<number, [string, string]> = {
  400: ['invalid_request', 'The request body is not valid JSON.'],
  413: ['payload_too_large', 'The request body is too large.'],
  415: ['unsupported_media_type', 'Send the body as application/json.'],
};

/**
 * The JSON API's own error handler: every error becomes `{error, message, rule}` JSON with its
 * status, whatever the client's Accept header says, and internals never leak. Mounted on the API
 * router so browser pages keep their HTML error page.
 */
export function apiErrorHandler(log: (line: string) => void) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let apiError: ApiError;
    if (error instanceof ApiError) apiError = error;
    else if (error instanceof DirectoryUnavailableError) {
      log(`directory unavailable: ${req.method} ${req.path}: ${error.detail}`);
      apiError = new ApiError(503, 'directory_unavailable', error.message);
    }
    else if (error instanceof HttpError) apiError = new ApiError(error.status, error.status === 404 ? 'not_found' : 'invalid_request', error.message, error.rule);
    else if (typeof (error as { status?: unknown })?.status === 'number' && (error as { status: number }).status < 500) {
      const status = (error as { status: number }).status;
      const [code, message] = BODY_PARSER_ERRORS[status] ?? ['invalid_request', 'The request could not be read.'];
      apiError = new ApiError(status, code, message);
    } else {
      log(`error: ${req.method} ${req.path}: ${(error as Error)?.stack ?? String(error)}`);
      apiError = new ApiError(500, 'server_error', 'Sesame could not complete this request. Nothing was issued. Try again, or tell your administrator.');
    }
    if (res.headersSent) return;
    for (const [name, value] of Object.entries(apiError.headers)) res.setHeader(name, value);
    res.status(apiError.status).json({ error: apiError.code, message: apiError.message, rule: apiError.rule ?? null, ...apiError.extra });
  };
}
