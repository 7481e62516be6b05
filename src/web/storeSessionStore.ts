import session from 'express-session';
import type { Store } from '../store/store';

const DEFAULT_TTL_MS = 60 * 60 * 1000;
/** Expiries remembered between a request's read and its touch; a safety cap, far above requests in flight. */
const MAX_REMEMBERED_EXPIRIES = 10_000;

/**
 * Rolling sessions get a new expiry on every request. Writing each one would cost a SQLite write
 * transaction per click, which the worker processes queue for (SQLite has one writer at a time, and
 * a waiting worker sleeps). So the expiry is written only once it moved by a sixtieth of the idle
 * time (a minute of an hour), like connect-mongo's touchAfter: a session may end that much early,
 * never late.
 */
export function expiryNeedsWriting(storedExpiresAt: number | undefined, expiresAt: number, idleMs: number): boolean {
  return storedExpiresAt === undefined || expiresAt - storedExpiresAt >= idleMs / 60;
}

/**
 * express-session's storage, kept in Sesame's own store: sessions survive restarts and are shared
 * by every worker process. (express-session's MemoryStore leaks and is per process.)
 */
export class StoreSessionStore extends session.Store {
  /** The stored expiry of each session read by a request still in progress, by session id. */
  private readonly storedExpiry = new Map<string, number>();

  constructor(private readonly store: Store) {
    super();
  }

  private expiry(sess: session.SessionData): number {
    const expires = sess.cookie?.expires;
    return expires ? new Date(expires).getTime() : Date.now() + DEFAULT_TTL_MS;
  }

  override get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    this.store
      .getSession(sid, Date.now())
      .then((row) => {
        if (row) {
          if (this.storedExpiry.size >= MAX_REMEMBERED_EXPIRIES) this.storedExpiry.clear();
          this.storedExpiry.set(sid, row.expiresAt);
        }
        callback(null, row ? (JSON.parse(row.data) as session.SessionData) : null);
      })
      .catch((error) => callback(error));
  }

  override set(sid: string, sess: session.SessionData, callback?: (err?: unknown) => void): void {
    this.storedExpiry.delete(sid);
    this.store
      .putSession(sid, { data: JSON.stringify(sess), expiresAt: this.expiry(sess) })
      .then(() => callback?.())
      .catch((error) => callback?.(error));
  }

  /** See expiryNeedsWriting; a write would also make express-session split the response around it. */
  override touch(sid: string, sess: session.SessionData, callback?: () => void): void {
    const stored = this.storedExpiry.get(sid);
    this.storedExpiry.delete(sid);
    const expiresAt = this.expiry(sess);
    const idleMs = sess.cookie?.originalMaxAge ?? DEFAULT_TTL_MS;
    if (!expiryNeedsWriting(stored, expiresAt, idleMs)) {
      callback?.();
      return;
    }
    this.store
      .touchSession(sid, expiresAt)
      .then(() => callback?.())
      .catch(() => callback?.());
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.storedExpiry.delete(sid);
    this.store
      .destroySession(sid)
      .then(() => callback?.())
      .catch((error) => callback?.(error));
  }
}
