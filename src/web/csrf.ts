import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from './httpError';

/** The session's synchronizer token, created on first use (OWASP CSRF cheat sheet: synchronizer token pattern). */
export function csrfTokenOf(req: Request): string {
  if (!req.session.csrfToken) req.session.csrfToken = randomBytes(32).toString('base64url');
  return req.session.csrfToken;
}

function tokensMatch(expected: string | undefined, given: unknown): boolean {
  if (!expected || typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Refuses a state-changing form post whose `_csrf` field does not match the session's token. */
export function requireCsrf(req: Request, _res: Response, next: NextFunction): void {
  const body = req.body as Record<string, unknown> | undefined;
  if (tokensMatch(req.session.csrfToken, body?._csrf)) return next();
  next(new HttpError(403, 'Form expired', 'This form has expired or did not come from Sesame. Go back, reload the page and try again.'));
}
