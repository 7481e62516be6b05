import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { SessionData } from 'express-session';
import type { Store } from '../store/store';
import { judgeSession, type SessionChecks } from './signedInUser';
import { rolledSessionSetCookie, signedSessionCookieOf } from './sessionCookie';
import { expiryNeedsWriting } from './storeSessionStore';
import { currentClient, sameClient } from './sessionClient';
import './sessionData';

declare module 'express-serve-static-core' {
  interface Request {
    /**
     * The session as stored, when the stored-session reader served this request instead of
     * express-session (then req.session is absent): read-only.
     */
    storedSession?: Readonly<Partial<SessionData>>;
  }
}

export interface StoredSessionReaderOptions {
  store: Store;
  sessionSecret: string;
  maxSessionSeconds: number;
  checks: SessionChecks;
  /**
   * Whether sessions remember where they are used from (accountRoutes' "active sessions"): then a
   * request from another address or browser goes the ordinary way once, which records it.
   */
  tracksClients: boolean;
}

/**
 * For the hot route (GET /aws/sso, issue 6): a signed-in browser's session read with one prepared
 * statement, checked exactly as loadSignedInUser checks it (judgeSession), and rolled as
 * express-session rolls it (same Set-Cookie, same sparse expiry writes), without express-session's
 * per-request object building, hashing and response hooks, or the middleware in front of it.
 *
 * It only ever says yes: anything but a valid, signed-in session that needs nothing done (no
 * cookie, bad signature, expired, ended, step-up, a Secure cookie over plain HTTP, a session seen
 * from a new address or browser) goes on to the ordinary stack with next('route'), which decides,
 * answers and writes as for any other page.
 */
export function readStoredSession(options: StoredSessionReaderOptions): RequestHandler {
  const { store, sessionSecret, maxSessionSeconds, checks, tracksClients } = options;
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const cookie = signedSessionCookieOf(req.headers.cookie, sessionSecret);
    if (cookie === null) return next('route');
    const now = Date.now();
    const row = await store.getSession(cookie.sid, now);
    if (!row) return next('route');
    const session = JSON.parse(row.data) as Partial<SessionData>;
    const idleMs = session.cookie?.originalMaxAge;
    if (typeof idleMs !== 'number' || idleMs <= 0) return next('route');
    // express-session rolls the cookie with the attributes stored in the session, and sends no
    // Secure cookie over plain HTTP; leave that case to it.
    const secure = session.cookie?.secure === true;
    if (secure && !req.secure) return next('route');
    if (tracksClients && !sameClient(session.client, currentClient(req))) return next('route');
    const verdict = await judgeSession(session, store, maxSessionSeconds, checks);
    if (verdict.kind !== 'signed-in') return next('route');

    const expiresAt = now + idleMs;
    if (expiryNeedsWriting(row.expiresAt, expiresAt, idleMs)) await store.touchSession(cookie.sid, expiresAt);
    res.append('Set-Cookie', rolledSessionSetCookie(cookie, new Date(expiresAt), secure));
    req.user = verdict.user;
    req.storedSession = session;
    next();
  };
}
