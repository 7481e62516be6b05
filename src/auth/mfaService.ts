import { generateTotpSecret, matchTotp, totpUri } from './totp';
import { generateEnrolmentCode, generateRecoveryCodes, hashEnrolmentCode, hashRecoveryCode, looksLikeRecoveryCode } from './recoveryCodes';
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
  /** The first lock; each consecutive one lasts twice as long, up to maxLockSeconds. */
  lockSeconds: number;
  maxLockSeconds: number;
}

/**
 * Six digits leave about 3 valid codes in 10^6 per guess (the ±1 step window). A fixed 15-minute lock
 * after 5 wrong codes would still allow 480 guesses a day: about a 4 % chance a month for someone who
 * has the password. So each consecutive lock doubles (15 min, 30 min, 1 h … capped at 24 h) until a
 * right code clears the count: 35 guesses in the first 35 hours, then 5 a day, under 1 % a year. Every
 * lock is audited (`mfa.lockout`), so an administrator can alert on the first one.
 */
export const DEFAULT_MFA_GUESS_POLICY: MfaGuessPolicy = { maxFailures: 5, windowSeconds: 15 * 60, lockSeconds: 15 * 60, maxLockSeconds: 24 * 60 * 60 };

/** How long an administrator's enrolment code stays usable. */
export const ENROLMENT_CODE_SECONDS = 24 * 60 * 60;

export interface MfaStatus {
  enrolled: boolean;
  enrolledAt: string | null;
  recoveryCodesLeft: number;
  /** The user's groups whose policy requires a second factor. */
  requiredByGroups: string[];
  /** When the enrolment code an administrator issued expires (ISO 8601), or null when none is waiting. */
  enrolmentCodeExpiresAt: string | null;
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
      enrolmentCodeExpiresAt: (await this.enrolmentCodeExpiry(user))?.toISOString() ?? null,
    };
  }

  async isEnrolled(user: UserRecord): Promise<boolean> {
    return (await this.mfa.getTotp(user.id)) !== null;
  }

  /** Enrolled users always give their second factor; members of a "required" group must, enrolled or not. */
  async isRequired(user: UserRecord): Promise<boolean> {
    return this.mfa.secondFactorRequired(user.id);
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
  private async beginAttempt(user: UserRecord, clientIp: string, channel: string): Promise<boolean> {
    const now = this.clock();
    const { lockedUntil, lockedNow } = await this.store.registerAttempt(this.throttleKey(user), {
      now,
      windowMs: this.policy.windowSeconds * 1000,
      maxAttempts: this.policy.maxFailures,
      lockMs: this.policy.lockSeconds * 1000,
      maxLockMs: this.policy.maxLockSeconds * 1000,
    });
    if (lockedNow) {
      // Written once per lock, by the attempt that caused it: the line to alert on.
      await this.store.appendAudit({
        event: 'mfa.lockout',
        actor: user.username,
        subject: user.username,
        clientIp,
        details: { channel, consecutive: lockedNow.consecutive, lockSeconds: Math.round(lockedNow.lockMs / 1000), lockedUntil: new Date(lockedUntil).toISOString() },
      });
    }
    return lockedUntil <= now;
  }

  async verify(user: UserRecord, rawCode: string, clientIp: string, channel: string): Promise<SecondFactorOutcome> {
    const audit = (event: string, details: Record<string, unknown>) =>
      this.store.appendAudit({ event, actor: user.username, subject: user.username, clientIp, details: { channel, ...details } });
    const fail = async (reason: string): Promise<SecondFactorOutcome> => {
      await audit('mfa.failure', { reason });
      return 'invalid';
    };

    if (!(await this.beginAttempt(user, clientIp, channel))) {
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
    return this.enrol(user, secret, rawCode, clientIp, channel, null);
  }

  /**
   * Enrolment during sign-in (a group requires a second factor the user does not have): the password
   * alone must not be enough to choose the factor, so it also takes the one-time enrolment code an
   * administrator issued (`issueEnrolmentCode`). The code is checked first and spent only when the
   * enrolment succeeds; wrong codes count against the same guess limit as one-time codes.
   */
  async confirmEnrolmentAtSignIn(user: UserRecord, secret: string, rawCode: string, enrolmentCode: string, clientIp: string, channel: string): Promise<string[]> {
    return this.enrol(user, secret, rawCode, clientIp, channel, typeof enrolmentCode === 'string' ? enrolmentCode : '');
  }

  private async enrol(user: UserRecord, secret: string, rawCode: string, clientIp: string, channel: string, enrolmentCode: string | null): Promise<string[]> {
    if (!(await this.beginAttempt(user, clientIp, channel))) throw new MfaInputError('Too many wrong codes. Wait a few minutes, then try again.');
    const failure = async (reason: string, message: string): Promise<never> => {
      await this.store.appendAudit({ event: 'mfa.enrol.failure', actor: user.username, subject: user.username, clientIp, details: { channel, reason } });
      throw new MfaInputError(message);
    };
    const codeHash = enrolmentCode === null ? null : hashEnrolmentCode(this.settings.pepper, enrolmentCode);
    if (codeHash !== null && (enrolmentCode!.trim() === '' || !(await this.mfa.hasEnrolmentCode(user.id, codeHash, this.clock())))) {
      await failure(
        enrolmentCode!.trim() === '' ? 'enrolment_code_missing' : 'wrong_enrolment_code',
        'That enrolment code is not right, was already used or has expired. Ask an administrator for a new one.',
      );
    }
    const code = typeof rawCode === 'string' ? rawCode.trim().replace(/\s+/g, '') : '';
    const step = /^[A-Z2-7]{32}$/.test(secret) ? matchTotp(secret, code, this.clock()) : null;
    if (step === null) await failure('wrong_code', 'That code does not match. Check the time on your phone, then type the 6 digits your app shows now.');
    // Spent atomically: two requests with the same enrolment code cannot both enrol.
    if (codeHash !== null && !(await this.mfa.consumeEnrolmentCode(user.id, codeHash, this.clock()))) {
      await failure('wrong_enrolment_code', 'That enrolment code was already used or has expired. Ask an administrator for a new one.');
    }
    const replacing = await this.isEnrolled(user);
    const codes = generateRecoveryCodes();
    await this.mfa.enrolTotp(user.id, secret, codes.map((c) => hashRecoveryCode(this.settings.pepper, c)));
    // The confirmation code is spent: it cannot be replayed to finish a sign-in.
    await this.mfa.claimTotpStep(user.id, step!);
    await this.store.clearThrottle(this.throttleKey(user));
    await this.store.appendAudit({
      event: replacing ? 'mfa.replace' : 'mfa.enrol',
      actor: user.username,
      subject: user.username,
      clientIp,
      details: { channel, method: 'totp', ...(codeHash !== null ? { enrolmentCode: 'redeemed' } : {}) },
    });
    return codes;
  }

  /**
   * A one-time, short-lived code that lets `user` enrol a second factor at sign-in, for an
   * administrator to hand over through another channel. Replaces any earlier code; only a keyed hash
   * is stored. Returns the code (to show once) and when it expires.
   */
  async issueEnrolmentCode(user: UserRecord, actor: string, clientIp: string | null): Promise<{ code: string; expiresAt: Date }> {
    const code = generateEnrolmentCode();
    const expiresAt = this.clock() + ENROLMENT_CODE_SECONDS * 1000;
    await this.mfa.putEnrolmentCode(user.id, hashEnrolmentCode(this.settings.pepper, code), actor, expiresAt);
    await this.store.appendAudit({ event: 'admin.user.mfa-enrol-code', actor, subject: user.username, clientIp, details: { expiresAt: new Date(expiresAt).toISOString() } });
    return { code, expiresAt: new Date(expiresAt) };
  }

  /** When the user's unused enrolment code expires, or null when they have none. */
  async enrolmentCodeExpiry(user: UserRecord): Promise<Date | null> {
    const at = await this.mfa.enrolmentCodeExpiry(user.id, this.clock());
    return at === null ? null : new Date(at);
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
