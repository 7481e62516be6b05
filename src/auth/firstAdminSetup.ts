import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashPassword } from './passwordHash';
import { AccountInputError, checkDisplayName, checkEmail, checkNewPassword, checkUsername } from './accountRules';
import type { Store, UserRecord } from '../store/store';

const SETTING = 'first_admin_setup';
const TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;

export interface FirstAdminInput {
  username: string;
  displayName?: string;
  email?: string;
  password: string;
  passwordRepeat: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * Bootstraps the first administrator without any default password: while no enabled admin exists,
 * each start issues a one-time setup token (only its hash is stored, it expires after a day) and
 * prints the setup link on the console of whoever started Sesame.
 */
export class FirstAdminSetup {
  constructor(private readonly store: Store, private readonly clock: () => number = Date.now) {}

  /** A fresh token when the installation has no admin yet, else null. */
  async issueTokenIfNeeded(): Promise<string | null> {
    if ((await this.store.countAdmins()) > 0) {
      await this.store.setSetting(SETTING, null);
      return null;
    }
    const token = randomBytes(24).toString('base64url');
    await this.store.setSetting(SETTING, JSON.stringify({ hash: sha256(token).toString('hex'), expiresAt: this.clock() + TOKEN_LIFETIME_MS }));
    return token;
  }

  async isValidToken(token: unknown): Promise<boolean> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 200) return false;
    const saved = await this.store.getSetting(SETTING);
    return saved !== null && this.matches(saved, token) && (await this.store.countAdmins()) === 0;
  }

  /**
   * Creates the admin and burns the token; throws AccountInputError for bad input. The token is
   * taken atomically before the slow password hashing, so two concurrent redemptions cannot both
   * create an admin; it is put back if the account cannot be created.
   */
  async redeem(token: unknown, input: FirstAdminInput, clientIp: string): Promise<UserRecord> {
    const invalid = new AccountInputError('token', 'This setup link is invalid, used or expired. Restart Sesame to print a new one.');
    if (!(await this.isValidToken(token))) throw invalid;
    const username = checkUsername(input.username);
    if (input.password !== input.passwordRepeat) throw new AccountInputError('passwordRepeat', 'The two passwords differ.');
    checkNewPassword(input.password, username);
    const displayName = checkDisplayName(input.displayName, username);
    const email = checkEmail(input.email);

    const claimed = await this.store.consumeSetting(SETTING);
    if (!claimed || !this.matches(claimed, token as string)) {
      if (claimed) await this.store.setSetting(SETTING, claimed);
      throw invalid;
    }
    try {
      const user = await this.store.createUser({ username, displayName, email, passwordHash: await hashPassword(input.password), isAdmin: true });
      await this.store.appendAudit({ event: 'admin.user.create', actor: 'setup-link', subject: username, clientIp, details: { admin: true, via: 'first-admin setup' } });
      return user;
    } catch (error) {
      await this.store.setSetting(SETTING, claimed);
      throw error;
    }
  }

  private matches(saved: string, token: string): boolean {
    const { hash, expiresAt } = JSON.parse(saved) as { hash: string; expiresAt: number };
    return expiresAt >= this.clock() && timingSafeEqual(Buffer.from(hash, 'hex'), sha256(token));
  }
}
