import { randomBytes } from 'node:crypto';
import { DEFAULT_SCRYPT, hashPassword, needsRehash, verifyPassword } from './passwordHash';
import { normalizeUsername } from './accountRules';
import { directoryEntryKey, type LoginThrottle } from './loginThrottle';
import type { Store, UserRecord } from '../store/store';
import { DirectoryUnavailableError, type DirectorySignIn } from './ldap/directorySignIn';

export type SignInResult =
  | { ok: true; user: UserRecord }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'disabled' }
  | { ok: false; reason: 'locked'; retryAfterSeconds: number };

/**
 * Username + password sign-in, shared by the browser form and the non-browser APIs. Unknown users
 * and wrong passwords cost the same scrypt work and give the same answer; "disabled" is only
 * revealed to someone who knows the password. Every outcome is audited, the password never is.
 * With a directory, names without a local account go to it; every failed directory sign-in also
 * costs one scrypt, so the time taken does not tell which names have a local account.
 */
export class PasswordAuthenticator {
  private constructor(
    private readonly store: Store,
    private readonly throttle: LoginThrottle,
    private readonly dummyHash: string,
    /** LDAP/AD: answers for usernames without a local account and for users it provisioned. */
    private readonly directory: DirectorySignIn | null = null,
  ) {}

  static async create(store: Store, throttle: LoginThrottle, directory: DirectorySignIn | null = null): Promise<PasswordAuthenticator> {
    // Verified against for unknown usernames so both paths take one scrypt computation.
    // A random hash with the current parameters: checking against it costs one full scrypt, and
    // making it costs nothing at start-up.
    const { N, r, p } = DEFAULT_SCRYPT;
    const dummyHash = `scrypt$${N}$${r}$${p}$${randomBytes(16).toString('base64')}$${randomBytes(32).toString('base64')}`;
    return new PasswordAuthenticator(store, throttle, dummyHash, directory);
  }

  async signIn(rawUsername: string, password: string, clientIp: string, channel: string): Promise<SignInResult> {
    const username = normalizeUsername(rawUsername).slice(0, 128);
    const audit = (event: string, reason?: string) =>
      this.store.appendAudit({
        event,
        actor: username || 'anonymous',
        subject: username || null,
        clientIp,
        details: reason ? { channel, reason } : { channel },
      });

    const retryAfterSeconds = await this.throttle.beginAttempt(username, clientIp);
    if (retryAfterSeconds > 0) {
      await audit('signin.failure', 'locked');
      return { ok: false, reason: 'locked', retryAfterSeconds };
    }

    const user = username ? await this.store.findUserByUsername(username) : null;
    if (this.directory && username && (await this.directory.handles(user))) return this.signInWithDirectory(username, password, clientIp, channel);
    const matches = await verifyPassword(password, user?.passwordHash ?? this.dummyHash);
    if (!user || !user.passwordHash || !matches) {
      await this.throttle.failed(clientIp);
      await audit('signin.failure', user ? 'wrong_password' : 'unknown_user');
      return { ok: false, reason: 'invalid' };
    }
    if (user.disabled) {
      await audit('signin.failure', 'disabled');
      return { ok: false, reason: 'disabled' };
    }
    await this.throttle.succeeded(username, clientIp);
    if (needsRehash(user.passwordHash)) await this.store.setPasswordHash(user.id, await hashPassword(password));
    await audit('signin.success');
    return { ok: true, user };
  }

  /**
   * Same throttle, answers and audit as a local sign-in; the directory checks the password. The
   * entry the directory names gets its own guess budget too (`account:dir:<entry id>`), shared by
   * every name that finds it.
   */
  private async signInWithDirectory(username: string, password: string, clientIp: string, channel: string): Promise<SignInResult> {
    let gatedEntry: string | null = null;
    const gate = async (entryId: string) => {
      gatedEntry = entryId;
      return this.throttle.beginDirectoryEntryAttempt(entryId);
    };
    const outcome = await this.directory!.signIn(username, password, clientIp, gate);
    const audit = (event: string, details: Record<string, unknown>) =>
      this.store.appendAudit({ event, actor: username, subject: username, clientIp, details: { channel, source: 'directory', ...details } });
    if (outcome.ok) {
      await this.throttle.succeeded(username, clientIp);
      await this.throttle.directoryEntrySucceeded(outcome.entryId);
      await audit('signin.success', {});
      return { ok: true, user: outcome.user };
    }
    // A local wrong password costs one scrypt; so does every failed directory sign-in (finding: with
    // LDAP on, names without a local account answered in 3 ms instead of 110).
    await verifyPassword(password, this.dummyHash);
    await audit('signin.failure', { reason: `directory_${outcome.reason}`, detail: outcome.detail });
    if (outcome.reason === 'unavailable') {
      // An outage is nobody's guess: give the counted attempts back so users are not locked out by it.
      await this.store.forgiveAttempt(`account:${username}`);
      if (gatedEntry !== null) await this.store.forgiveAttempt(directoryEntryKey(gatedEntry));
      throw new DirectoryUnavailableError(outcome.detail);
    }
    if (outcome.reason === 'locked') return { ok: false, reason: 'locked', retryAfterSeconds: outcome.retryAfterSeconds };
    if (outcome.reason === 'disabled') return { ok: false, reason: 'disabled' };
    await this.throttle.failed(clientIp);
    return { ok: false, reason: 'invalid' };
  }
}
