import { normalizeUsername } from './accountRules';
import type { PasswordAuthenticator } from './passwordAuthenticator';
import type { SecondFactorCheck } from './secondFactor';
import type { Store, UserRecord } from '../store/store';

export interface NonBrowserCredentials {
  username: string;
  password: string;
  /** The one-time code, when the client sent one. */
  otp?: string;
  clientIp: string;
  /** "api" or "ecp": recorded in the audit log and used by the throttles. */
  channel: string;
}

export type NonBrowserSignInResult =
  | { ok: true; user: UserRecord; secondFactor: boolean }
  | {
      ok: false;
      reason: 'invalid' | 'disabled' | 'second_factor_required' | 'second_factor_invalid' | 'second_factor_locked' | 'second_factor_enrolment_required';
    }
  | { ok: false; reason: 'locked'; retryAfterSeconds: number };

/**
 * Sign-in for clients without a browser (the JSON API of `sesame-aws`, the SAML ECP endpoint):
 * the same password check, throttling, lockout and audit as the browser form
 * (`PasswordAuthenticator`), then the second factor when the user has one. The one-time code
 * travels with the password in the same request, because these clients cannot hold a half-finished
 * session. That the second factor is missing is only said to someone who gave the right password,
 * exactly as the browser's second page would.
 */
/**
 * A SecondFactorCheck that may also know that a policy demands a factor the user has not set up yet
 * (MfaService does). Enrolment shows a QR code, so it happens in the browser, never over these channels.
 */
export interface EnrolmentAwareSecondFactorCheck extends SecondFactorCheck {
  mustEnrol?(user: UserRecord): Promise<boolean>;
}

export class NonBrowserSignIn {
  constructor(
    private readonly authenticator: PasswordAuthenticator,
    private readonly secondFactor: EnrolmentAwareSecondFactorCheck,
    private readonly store: Store,
  ) {}

  /** Whether `username` (if it exists and is enabled) must present a one-time code. Reveals nothing to callers: used only to decide how to read a combined password. */
  async secondFactorExpectedFor(username: string): Promise<boolean> {
    const user = await this.store.findUserByUsername(normalizeUsername(username).slice(0, 128));
    return user !== null && !user.disabled && (await this.secondFactor.isRequired(user));
  }

  async signIn(credentials: NonBrowserCredentials): Promise<NonBrowserSignInResult> {
    const { clientIp, channel } = credentials;
    const password = await this.authenticator.signIn(credentials.username, credentials.password, clientIp, channel);
    if (!password.ok) return password;
    const user = password.user;
    if (!(await this.secondFactor.isRequired(user))) return { ok: true, user, secondFactor: false };
    if (this.secondFactor.mustEnrol && (await this.secondFactor.mustEnrol(user))) {
      return this.refuse(user, clientIp, channel, 'second_factor_not_enrolled', 'second_factor_enrolment_required');
    }

    const otp = credentials.otp?.trim() ?? '';
    if (otp === '') return this.refuse(user, clientIp, channel, 'second_factor_missing', 'second_factor_required');
    // The implementation throttles guesses and audits each outcome itself.
    const outcome = await this.secondFactor.verify(user, otp, clientIp, channel);
    if (outcome === 'ok') return { ok: true, user, secondFactor: true };
    return { ok: false, reason: outcome === 'locked' ? 'second_factor_locked' : 'second_factor_invalid' };
  }

  /** A password that was right, and a second factor that is missing: audited, then refused. */
  private async refuse(
    user: UserRecord,
    clientIp: string,
    channel: string,
    auditReason: string,
    reason: 'second_factor_required' | 'second_factor_enrolment_required',
  ): Promise<NonBrowserSignInResult> {
    await this.store.appendAudit({ event: 'signin.failure', actor: user.username, subject: user.username, clientIp, details: { channel, reason: auditReason } });
    return { ok: false, reason };
  }
}
