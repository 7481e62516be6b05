import type { Store } from '../store/store';

export interface ThrottlePolicy {
  windowSeconds: number;
  lockSeconds: number;
  maxFailuresPerAccount: number;
  maxFailuresPerClient: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = {
  windowSeconds: 15 * 60,
  lockSeconds: 15 * 60,
  maxFailuresPerAccount: 5,
  // Higher than the per-account limit: many people share an office NAT address.
  maxFailuresPerClient: 30,
};

/**
 * Limits password guesses per account name and per client address. An account's attempts are
 * counted *before* the password is checked, atomically in the store, so parallel guesses and several
 * worker processes cannot slip past its limit; a success clears the count. A client address counts
 * only failures: counting in-flight attempts would lock an office NAT whose people sign in at the
 * same moment. Account names are counted whether or not they exist, so a lockout reveals nothing.
 */
export class LoginThrottle {
  constructor(
    private readonly store: Store,
    private readonly policy: ThrottlePolicy = DEFAULT_THROTTLE,
    private readonly clock: () => number = Date.now,
  ) {}

  private attempt(key: string, maxAttempts: number, now: number) {
    return this.store.registerAttempt(key, {
      now,
      windowMs: this.policy.windowSeconds * 1000,
      maxAttempts,
      lockMs: this.policy.lockSeconds * 1000,
    });
  }

  /**
   * Counts one sign-in attempt. Returns 0 when it may go ahead, else the seconds until the account
   * or client is unlocked (the attempt is then refused without looking at the password).
   */
  async beginAttempt(username: string, clientIp: string): Promise<number> {
    const now = this.clock();
    const client = await this.store.getThrottle(`client:${clientIp}`);
    if (client && client.lockedUntil > now) return Math.ceil((client.lockedUntil - now) / 1000);
    const account = await this.attempt(`account:${username}`, this.policy.maxFailuresPerAccount, now);
    if (account.lockedUntil > now) return Math.ceil((account.lockedUntil - now) / 1000);
    return 0;
  }

  /** A wrong password or unknown name: one more failure for the client address (password spraying). */
  async failed(clientIp: string): Promise<void> {
    // registerAttempt locks past its limit; here the failure already happened, so the Nth one locks.
    await this.attempt(`client:${clientIp}`, this.policy.maxFailuresPerClient - 1, this.clock());
  }

  /** A successful sign-in clears the account's count; the client address keeps its failures. */
  async succeeded(username: string, _clientIp: string): Promise<void> {
    await this.store.clearThrottle(`account:${username}`);
  }

  /**
   * Counts one attempt against a directory entry, once the directory named it: a filter that matches
   * uid *or* mail gives one person several names, and each name has its own budget; the entry's
   * budget is shared by all of them. Returns 0, or the seconds until the entry is unlocked.
   */
  async beginDirectoryEntryAttempt(entryId: string): Promise<number> {
    const now = this.clock();
    const entry = await this.attempt(directoryEntryKey(entryId), this.policy.maxFailuresPerAccount, now);
    return entry.lockedUntil > now ? Math.ceil((entry.lockedUntil - now) / 1000) : 0;
  }

  async directoryEntrySucceeded(entryId: string): Promise<void> {
    await this.store.clearThrottle(directoryEntryKey(entryId));
  }
}

/** The throttle key of a directory entry: `account:dir:<immutable id>`. */
export function directoryEntryKey(entryId: string): string {
  return `account:dir:${entryId}`;
}
