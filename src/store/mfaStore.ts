/**
 * Storage for the second factor: one TOTP secret per user, hashed one-time recovery codes, and the
 * per-group "second factor required" policy. Kept apart from `Store` (one interface per concern).
 */

export interface TotpRecord {
  userId: number;
  /** Base32 secret (RFC 4648), as the authenticator app holds it. */
  secret: string;
  lastStep: number;
  enrolledAt: string;
}

export interface MfaStore {
  getTotp(userId: number): Promise<TotpRecord | null>;
  /** Enrols or replaces the user's TOTP secret and replaces all recovery codes, atomically. */
  enrolTotp(userId: number, secret: string, recoveryCodeHashes: string[]): Promise<void>;
  /**
   * Records `step` as used, only if it is later than the last used step. False means the code was
   * already used (replay) or an earlier one was: the check and the write are one statement, so two
   * workers cannot both accept the same code.
   */
  claimTotpStep(userId: number, step: number): Promise<boolean>;
  /** Marks one unused recovery code as used; false when there is no such unused code. */
  consumeRecoveryCode(userId: number, codeHash: string): Promise<boolean>;
  replaceRecoveryCodes(userId: number, codeHashes: string[]): Promise<void>;
  countUnusedRecoveryCodes(userId: number): Promise<number>;
  /** Removes the TOTP secret and every recovery code (an admin reset, or the user starting over). */
  deleteSecondFactor(userId: number): Promise<boolean>;

  /** Stores the (hashed) enrolment code an admin issued for a user, replacing any earlier one. */
  putEnrolmentCode(userId: number, codeHash: string, createdBy: string, expiresAt: number): Promise<void>;
  /** Whether the user has an unexpired enrolment code with this hash (nothing is spent). */
  hasEnrolmentCode(userId: number, codeHash: string, now: number): Promise<boolean>;
  /** Deletes the user's unexpired code with this hash; false when there was none (already used, expired, wrong). */
  consumeEnrolmentCode(userId: number, codeHash: string, now: number): Promise<boolean>;
  /** When the user's live enrolment code expires, or null when there is none. */
  enrolmentCodeExpiry(userId: number, now: number): Promise<number | null>;

  setGroupMfaRequired(groupId: number, required: boolean): Promise<void>;
  /** Ids of the groups that require a second factor of their members. */
  listGroupsRequiringMfa(): Promise<number[]>;
  /** Names of this user's groups that require a second factor. */
  groupsRequiringMfaFor(userId: number): Promise<string[]>;
  /**
   * Enrolled, or in a group that requires a second factor: one query, because every request of a
   * password-only session asks (MfaService.isRequired).
   */
  secondFactorRequired(userId: number): Promise<boolean>;
}
