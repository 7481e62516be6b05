import type { Store, ThrottleState } from '../store/store';

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
 * Counts failed sign-ins per account name and per client address, in the store (so every worker
 * process sees the same counters), and locks a key for a while once it passes its limit.
 * Account names are counted whether or not they exist, so a lockout reveals nothing about existence.
 */
export class LoginThrottle {
  constructor(
    private readonly store: Store,
    private readonly policy: ThrottlePolicy = DEFAULT_THROTTLE,
    private readonly clock: () => number = Date.now,
  ) {}

  private keys(username: string, clientIp: string): Array<{ key: string; max: number }> {
    return [
      { key: `account:${username}`, max: this.policy.maxFailuresPerAccount },
      { key: `client:${clientIp}`, max: this.policy.maxFailuresPerClient },
    ];
  }

  /** Seconds until the attempt may be made, or 0 when it may be made now. */
  async retryAfter(username: string, clientIp: string): Promise<number> {
    const now = this.clock();
    let wait = 0;
    for (const { key } of this.keys(username, clientIp)) {
      const state = await this.store.getThrottle(key);
      if (state && state.lockedUntil > now) wait = Math.max(wait, Math.ceil((state.lockedUntil - now) / 1000));
    }
    return wait;
  }

  async recordFailure(username: string, clientIp: string): Promise<void> {
    const now = this.clock();
    for (const { key, max } of this.keys(username, clientIp)) {
      const previous = await this.store.getThrottle(key);
      const fresh = !previous || now - previous.windowStartedAt > this.policy.windowSeconds * 1000;
      const state: ThrottleState = fresh
        ? { failures: 1, windowStartedAt: now, lockedUntil: 0 }
        : { ...previous, failures: previous.failures + 1 };
      if (state.failures >= max) {
        state.lockedUntil = now + this.policy.lockSeconds * 1000;
        // The lock starts a new counting window, so the key is free again after lockSeconds.
        state.failures = 0;
        state.windowStartedAt = now;
      }
      await this.store.putThrottle(key, state);
    }
  }

  /** A successful sign-in clears the account's counter; the client address keeps its count. */
  async recordSuccess(username: string): Promise<void> {
    await this.store.clearThrottle(`account:${username}`);
  }
}
