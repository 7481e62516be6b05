import session from 'express-session';
import type { Store } from '../store/store';

const DEFAULT_TTL_MS = 60 * 60 * 1000;

/**
 * express-session's storage, kept in Sesame's own store: sessions survive restarts and are shared
 * by every worker process. (express-session's MemoryStore leaks and is per process.)
 */
export class StoreSessionStore extends session.Store {
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
      .then((row) => callback(null, row ? (JSON.parse(row.data) as session.SessionData) : null))
      .catch((error) => callback(error));
  }

  override set(sid: string, sess: session.SessionData, callback?: (err?: unknown) => void): void {
    this.store
      .putSession(sid, { data: JSON.stringify(sess), expiresAt: this.expiry(sess) })
      .then(() => callback?.())
      .catch((error) => callback?.(error));
  }

  override touch(sid: string, sess: session.SessionData, callback?: () => void): void {
    this.store
      .touchSession(sid, this.expiry(sess))
      .then(() => callback?.())
      .catch(() => callback?.());
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.store
      .destroySession(sid)
      .then(() => callback?.())
      .catch((error) => callback?.(error));
  }
}
