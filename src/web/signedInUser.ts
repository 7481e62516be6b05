import type { NextFunction, Request, Response } from 'express';
import type { Store, UserRecord } from '../store/store';

declare module 'express-serve-static-core' {
  interface Request {
    user?: UserRecord;
  }
}

/**
 * Loads the signed-in user for every request. A session past its absolute limit, or whose user was
 * disabled or deleted since, is ended here: disabling a user takes effect on their next click.
 */
export function loadSignedInUser(store: Store, maxSessionSeconds: number) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const { userId, authnInstant } = req.session;
    if (userId === undefined) return next();
    const user = await store.findUserById(userId);
    const expired = authnInstant === undefined || Date.now() - authnInstant > maxSessionSeconds * 1000;
    if (!user || user.disabled || expired) {
      await new Promise<void>((resolve) => req.session.regenerate(() => resolve()));
      return next();
    }
    req.user = user;
    next();
  };
}

/** Sends anonymous visitors to the sign-in page, remembering where they were going. */
export function requireSignedIn(req: Request, res: Response, next: NextFunction): void {
  if (req.user) return next();
  res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
}
