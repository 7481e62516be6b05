import type { NextFunction, Request, Response } from 'express';
import type { SessionData } from 'express-session';
import type { Store, UserRecord } from '../store/store';
import type { SecondFactorCheck } from '../auth/secondFactor';
import type { DirectoryStore } from '../store/directoryStore';
import { safeNext } from './safeNext';
import './routes/adminConsoleServices';

declare module 'express-serve-static-core' {
  interface Request {
    user?: UserRecord;
  }
}

/** What a signed-in session is checked against on every request, beyond the user record itself. */
export interface SessionChecks {
  /**
   * Who must give a second factor (MfaService). A session that was opened with the password alone
   * is not signed in any more once the user needs one (enrolled since, or put in a group that
   * requires it): the browser is sent through the second step (step-up), keeping where it was going.
   */
  secondFactor?: SecondFactorCheck;
  /** Directory links: a directory session ends when its link was removed or points at another entry. */
  directory?: DirectoryStore;
}

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((error) => (error ? reject(error) : resolve())));
}

/** What a stored session amounts to on this request. */
export type SessionVerdict =
  | { kind: 'anonymous' }
  /** Past its absolute limit, its user disabled or deleted, or its directory link changed: it must end. */
  | { kind: 'ended' }
  /** Opened with the password alone, and the user needs a second factor now. */
  | { kind: 'step-up'; user: UserRecord }
  | { kind: 'signed-in'; user: UserRecord };

/**
 * The checks every request of a session passes, in one place for both ways a session is read
 * (express-session, and the stored-session reader of the hot route). `signingOut`: signing out
 * issues nothing, so it works without the step-up.
 */
export async function judgeSession(
  session: Partial<SessionData>,
  store: Store,
  maxSessionSeconds: number,
  checks: SessionChecks,
  signingOut = false,
): Promise<SessionVerdict> {
  const { userId, authnInstant } = session;
  if (userId === undefined) return { kind: 'anonymous' };
  const user = await store.findUserById(userId);
  const expired = authnInstant === undefined || Date.now() - authnInstant > maxSessionSeconds * 1000;
  if (!user || user.disabled || expired || !(await directoryLinkHolds(session.directoryId, user, checks.directory))) {
    return { kind: 'ended' };
  }
  if (session.secondFactor !== true && !signingOut && checks.secondFactor && (await checks.secondFactor.isRequired(user))) {
    return { kind: 'step-up', user };
  }
  return { kind: 'signed-in', user };
}

/**
 * Loads the signed-in user for every request. A session past its absolute limit, or whose user was
 * disabled or deleted since, is ended here: disabling a user takes effect on their next click. So is
 * a directory session whose link an admin removed (`sesame user unlink-directory`). Changes made in
 * the directory itself (an account disabled there) are only seen at the next sign-in, unless an
 * admin ends the user's sessions in Sesame too (disable, or unlink).
 */
export function loadSignedInUser(store: Store, maxSessionSeconds: number, checks: SessionChecks = {}) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const verdict = await judgeSession(req.session, store, maxSessionSeconds, checks, signsOut(req));
    if (verdict.kind === 'anonymous') return next();
    if (verdict.kind === 'ended') {
      await regenerate(req);
      return next();
    }
    if (verdict.kind === 'step-up') {
      // Policy changed under a password-only session: it is not a session any more, only "password
      // done", and the second step (or enrolment, with an admin's enrolment code) comes next.
      const { user } = verdict;
      const target = req.method === 'GET' || req.method === 'HEAD' ? safeNext(req.originalUrl) : '/';
      const sessionIndex = req.session.sessionIndex;
      await regenerate(req);
      req.session.mfaPending = { userId: user.id, next: target, startedAt: Date.now(), stepUp: true, sessionIndex };
      await store.appendAudit({
        event: 'session.step-up',
        actor: user.username,
        subject: user.username,
        clientIp: req.ip ?? null,
        details: { reason: 'second_factor_required', path: req.path.slice(0, 200) },
      });
      res.redirect(303, '/login/mfa');
      return;
    }
    req.user = verdict.user;
    next();
  };
}

/** Signing out (here, or Single Logout from an SP) issues nothing: it works without the step-up. */
function signsOut(req: Request): boolean {
  return (req.method === 'POST' && req.path === '/logout') || req.path === '/saml/slo' || req.path.startsWith('/saml/slo/');
}

/** False when this session signed in as a directory user whose link no longer names the same entry. */
async function directoryLinkHolds(signedInAs: string | undefined, user: UserRecord, directory: DirectoryStore | undefined): Promise<boolean> {
  if (signedInAs === undefined || !directory) return true;
  const link = await directory.findDirectoryAccount(user.id);
  return link !== null && link.directoryId === signedInAs;
}

/** At sign-in: pins a directory user's session to the entry their account is linked to (see SessionChecks.directory). */
export async function rememberDirectoryLink(req: Request, user: UserRecord, directory: DirectoryStore | undefined): Promise<void> {
  const link = directory ? await directory.findDirectoryAccount(user.id) : null;
  if (link?.directoryId) req.session.directoryId = link.directoryId;
}

/** Sends anonymous visitors to the sign-in page, remembering where they were going. */
export function requireSignedIn(req: Request, res: Response, next: NextFunction): void {
  if (req.user) return next();
  res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
}
