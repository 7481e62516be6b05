import { generateTotpSecret, matchTotp, totpUri } from './totp';
import { generateRecoveryCodes, hashRecoveryCode, looksLikeRecoveryCode } from './recoveryCodes';
import type { SecondFactorCheck, SecondFactorOutcome } from './secondFactor';
import type { MfaStore } from '../store/mfaStore';
import type { GroupRecord, Store, UserRecord } from '../store/store';

/** A code the user typed during enrolment did not match the new secret, or the request was malformed. */
export class MfaInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MfaInputError';
  }
}

export interface MfaGuessPolicy {
  /** Wrong codes allowed per user within the window before the second factor locks. */
  maxFailures: number;
  windowSeconds: number;
  lockSeconds: number;
}

/**
 * Six digits leave 3 valid codes in 10^6 per attempt (the ±1 step window): five guesses per 15
 * minutes keep an attacker who has the password below a 1-in-10^4 chance per year of lock cycles.
 */
export const DEFAULT_MFA_GUESS_POLICY: MfaGuessPolicy = { maxFailures: 5, windowSeconds: 15 * 60, lockSeconds: 15 * 60 };

export interface MfaStatus {
  enrolled: boolean;
  enrolledAt: string | null;
  recoveryCodesLeft: number;
  /** The user's groups whose policy requires a second factor. */
  requiredByGroups: string[];
}

export interface TotpEnrolment {
  secret: string;
  uri: string;
}

/**
 * The second factor: TOTP enrolment and checks, one-time recovery codes, the per-group policy and
 * the guess throttle. Implements the SecondFactorCheck seam every sign-in channel calls after the
 * password. Every outcome is audited; codes and secrets never are.
 */
export class MfaService implements SecondFactorCheck {
  constructor(
    private readonly mfa: MfaStore,
    private readonly store: Store,
    private readonly settings: { issuer: string; pepper: string; policy?: MfaGuessPolicy },
    private readonly clock: () => number = Date.now,
  ) {}

  private get policy(): MfaGuessPolicy {
    return this.settings.policy ?? DEFAULT_MFA_GUESS_POLICY;
  }

  async status(user: UserRecord): Promise<MfaStatus> {
    const totp = await this.mfa.getTotp(user.id);
    return {
      enrolled: totp !== null,
      enrolledAt: totp?.enrolledAt ?? null,
      recoveryCodesLeft: totp ? await this.mfa.countUnusedRecoveryCodes(user.id) : 0,
      requiredByGroups: await this.mfa.groupsRequiringMfaFor(user.id),
    };
  }

  async isEnrolled(user: UserRecord): Promise<boolean> {
    return (await this.mfa.getTotp(user.id)) !== null;
  }

  /** Enrolled users always give their second factor; members of a "required" group must, enrolled or not. */
  async isRequired(user: UserRecord): Promise<boolean> {
    if (await this.isEnrolled(user)) return true;
    return (await this.mfa.groupsRequiringMfaFor(user.id)).length > 0;
  }

  /** Policy requires a second factor this user does not have yet: the browser sign-in enrols them first. */
  async mustEnrol(user: UserRecord): Promise<boolean> {
    return !(await this.isEnrolled(user)) && (await this.mfa.groupsRequiringMfaFor(user.id)).length > 0;
  }

  private throttleKey(user: UserRecord): string {
    return `mfa:${user.id}`;
  }

  /** Seconds the user must wait before the next code is even looked at; 0 when they may try now. */
  async retryAfter(user: UserRecord): Promise<number> {
    const state = await this.store.getThrottle(this.throttleKey(user));
    const now = this.clock();
    return state && state.lockedUntil > now ? Math.ceil((state.lockedUntil - now) / 1000) : 0;
  }

  /**
   * Counts one code attempt before the code is looked at, atomically in the store, so parallel
   * guesses (or several workers) cannot get past the limit; a success clears the count.
   * Returns false when the factor is locked.
   */
  private async beginAttempt(user: UserRecord): Promise<boolean> {
    const now = this.clock();
    const { lockedUntil } = await this.store.registerAttempt(this.throttleKey(user), {
      now,
      windowMs: this.policy.windowSeconds * 1000,
      maxAttempts: this.policy.maxFailures,
      lockMs: this.policy.lockSeconds * 1000,
    });
    return lockedUntil <= now;
  }

  async verify(user: UserRecord, rawCode: string, clientIp: string, channel: string): Promise<SecondFactorOutcome> {
    const audit = (event: string, details: Record<string, unknown>) =>
      this.store.appendAudit({ event, actor: user.username, subject: user.username, clientIp, details: { channel, ...details } });
    const fail = async (reason: string): Promise<SecondFactorOutcome> => {
      await audit('mfa.failure', { reason });
      return 'invalid';
    };

    if (!(await this.beginAttempt(user))) {
      await audit('mfa.failure', { reason: 'locked' });
      return 'locked';
    }
    const code = typeof rawCode === 'string' ? rawCode.trim().replace(/\s+/g, '') : '';
    const totp = await this.mfa.getTotp(user.id);
    if (!totp) return fail('not_enrolled');

    if (/^\d{6}$/.test(code)) {
      const step = matchTotp(totp.secret, code, this.clock());
      if (step === null) return fail('wrong_code');
      // RFC 6238 §5.2: a code is good once. The step is claimed atomically, so a replay on another worker fails too.
      if (!(await this.mfa.claimTotpStep(user.id, step))) return fail('replayed_code');
      await this.store.clearThrottle(this.throttleKey(user));
      await audit('mfa.success', { method: 'totp' });
      return 'ok';
    }
    if (looksLikeRecoveryCode(code)) {
      if (!(await this.mfa.consumeRecoveryCode(user.id, hashRecoveryCode(this.settings.pepper, code)))) return fail('wrong_or_used_recovery_code');
      await this.store.clearThrottle(this.throttleKey(user));
      await audit('mfa.success', { method: 'recovery_code', recoveryCodesLeft: await this.mfa.countUnusedRecoveryCodes(user.id) });
      return 'ok';
    }
    return fail('malformed_code');
  }

  /** A fresh secret and its otpauth:// URI; nothing is stored until the user confirms a code. */
  startEnrolment(user: UserRecord): TotpEnrolment {
    const secret = generateTotpSecret();
    return { secret, uri: totpUri({ issuer: this.settings.issuer, account: user.username, secret }) };
  }

  /**
   * Stores the secret once the user proves their app holds it (a code for it), replacing any earlier
   * factor, and returns ten new recovery codes to show exactly once.
   */
  async confirmEnrolment(user: UserRecord, secret: string, rawCode: string, clientIp: string, channel: string): Promise<string[]> {
    if (!(await this.beginAttempt(user))) throw new MfaInputError('Too many wrong codes. Wait a few minutes, then try again.');
    const code = typeof rawCode === 'string' ? rawCode.trim().replace(/\s+/g, '') : '';
    const step = /^[A-Z2-7]{32}$/.test(secret) ? matchTotp(secret, code, this.clock()) : null;
    if (step === null) {
      await this.store.appendAudit({ event: 'mfa.enrol.failure', actor: user.username, subject: user.username, clientIp, details: { channel, reason: 'wrong_code' } });
      throw new MfaInputError('That code does not match. Check the time on your phone, then type the 6 digits your app shows now.');
    }
    const replacing = await this.isEnrolled(user);
    const codes = generateRecoveryCodes();
    await this.mfa.enrolTotp(user.id, secret, codes.map((c) => hashRecoveryCode(this.settings.pepper, c)));
    // The confirmation code is spent: it cannot be replayed to finish a sign-in.
    await this.mfa.claimTotpStep(user.id, step);
    await this.store.clearThrottle(this.throttleKey(user));
    await this.store.appendAudit({ event: replacing ? 'mfa.replace' : 'mfa.enrol', actor: user.username, subject: user.username, clientIp, details: { channel, method: 'totp' } });
    return codes;
  }

  async regenerateRecoveryCodes(user: UserRecord, clientIp: string): Promise<string[]> {
    if (!(await this.isEnrolled(user))) throw new MfaInputError('Set up an authenticator app first; recovery codes belong to it.');
    const codes = generateRecoveryCodes();
    await this.mfa.replaceRecoveryCodes(user.id, codes.map((c) => hashRecoveryCode(this.settings.pepper, c)));
    await this.store.appendAudit({ event: 'mfa.recovery-codes.regenerate', actor: user.username, subject: user.username, clientIp, details: {} });
    return codes;
  }

  /** Removes a user's second factor (lost phone); they enrol again at their next sign-in if a policy requires it. */
  async reset(user: UserRecord, actor: string, clientIp: string | null): Promise<boolean> {
    const removed = await this.mfa.deleteSecondFactor(user.id);
    await this.store.clearThrottle(this.throttleKey(user));
    await this.store.appendAudit({ event: 'admin.user.mfa-reset', actor, subject: user.username, clientIp, details: { hadSecondFactor: removed } });
    return removed;
  }

  async setGroupRequired(group: GroupRecord, required: boolean, actor: string, clientIp: string | null): Promise<void> {
    await this.mfa.setGroupMfaRequired(group.id, required);
    await this.store.appendAudit({ event: 'admin.group.mfa-policy', actor, subject: group.name, clientIp, details: { required } });
  }

  async groupsRequiringMfa(): Promise<Set<number>> {
    return new Set(await this.mfa.listGroupsRequiringMfa());
  }

  /** The otpauth:// URI for a pending secret (shown again after a page reload). */
  enrolmentUri(user: UserRecord, secret: string): string {
    return totpUri({ issuer: this.settings.issuer, account: user.username, secret });
  }
}
