import type { NextFunction, Request, Response } from 'express';
import { HttpError } from './httpError';
import { csrfTokenOf } from './csrf';

/** Turns every error into a readable page (or JSON for API clients) with the right status; internals never leak. */
export function errorHandler(log: (line: string) => void) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let httpError: HttpError;
    if (error instanceof HttpError) httpError = error;
    else if (typeof (error as { status?: unknown })?.status === 'number' && (error as { status: number }).status < 500) {
      // body-parser and friends: malformed or oversized bodies
      const status = (error as { status: number }).status;
      httpError = new HttpError(status, 'Bad request', status === 413 ? 'The request is too large.' : 'The request could not be read.');
    } else {
      log(`error: ${req.method} ${req.path}: ${(error as Error)?.stack ?? String(error)}`);
      httpError = new HttpError(500, 'Something went wrong', 'Sesame could not complete this request. Nothing was issued. Try again, or tell your administrator.');
    }
    if (res.headersSent) return;
    res.status(httpError.status);
    if (req.accepts(['html', 'json']) === 'json') {
      res.json({ error: httpError.heading, message: httpError.message, rule: httpError.rule ?? null });
      return;
    }
    // Only a signed-in page shows a form (sign-out). Minting a token for anyone else would create a
    // session, and the Set-Cookie on the answer to an SP's cross-site POST would replace the
    // browser's own session cookie: one refused SAML message would sign the user out. A session read
    // by the stored-session reader is read-only: its own token, or no sign-out form.
    const csrfToken = !req.user ? '' : req.session ? csrfTokenOf(req) : (req.storedSession?.csrfToken ?? '');
    res.render('error', {
      heading: httpError.heading,
      message: httpError.message,
      rule: httpError.rule,
      user: csrfToken ? req.user : undefined,
      csrfToken,
    });
  };
}
