import type Database from 'better-sqlite3';
import type { MfaStore, TotpRecord } from './mfaStore';

/** MfaStore over the SqliteStore connection (tables from migration 0002_mfa_directory). */
export class SqliteMfaStore implements MfaStore {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      getTotp: db.prepare(`SELECT user_id, secret, last_step, enrolled_at FROM mfa_totp WHERE user_id = ?`),
      upsertTotp: db.prepare(
        `INSERT INTO mfa_totp (user_id, secret, last_step, enrolled_at) VALUES (?, ?, -1, ?)
         ON CONFLICT(user_id) DO UPDATE SET secret = excluded.secret, last_step = -1, enrolled_at = excluded.enrolled_at`,
      ),
      claimStep: db.prepare(`UPDATE mfa_totp SET last_step = ? WHERE user_id = ? AND last_step < ?`),
      deleteTotp: db.prepare(`DELETE FROM mfa_totp WHERE user_id = ?`),
      deleteCodes: db.prepare(`DELETE FROM mfa_recovery_codes WHERE user_id = ?`),
      insertCode: db.prepare(`INSERT OR IGNORE INTO mfa_recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)`),
      consumeCode: db.prepare(`UPDATE mfa_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`),
      countCodes: db.prepare(`SELECT COUNT(*) AS n FROM mfa_recovery_codes WHERE user_id = ? AND used_at IS NULL`),
      putEnrolmentCode: db.prepare(
        `INSERT INTO mfa_enrolment_codes (user_id, code_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(user_id) DO UPDATE SET code_hash = excluded.code_hash, created_by = excluded.created_by,
         created_at = excluded.created_at, expires_at = excluded.expires_at`,
      ),
      findEnrolmentCode: db.prepare(`SELECT 1 FROM mfa_enrolment_codes WHERE user_id = ? AND code_hash = ? AND expires_at > ?`),
      consumeEnrolmentCode: db.prepare(`DELETE FROM mfa_enrolment_codes WHERE user_id = ? AND code_hash = ? AND expires_at > ?`),
      enrolmentCodeExpiry: db.prepare(`SELECT expires_at FROM mfa_enrolment_codes WHERE user_id = ? AND expires_at > ?`),
      setPolicy: db.prepare(
        `INSERT INTO group_mfa_policy (group_id, required, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(group_id) DO UPDATE SET required = excluded.required, updated_at = excluded.updated_at`,
      ),
      policies: db.prepare(`SELECT group_id FROM group_mfa_policy WHERE required = 1`),
      policiesOfUser: db.prepare(
        `SELECT g.name FROM group_mfa_policy p JOIN groups g ON g.id = p.group_id
           JOIN memberships m ON m.group_id = p.group_id WHERE p.required = 1 AND m.user_id = ? ORDER BY g.name`,
      ),
      secondFactorRequired: db.prepare(
        `SELECT EXISTS (SELECT 1 FROM mfa_totp WHERE user_id = :user)
             OR EXISTS (SELECT 1 FROM group_mfa_policy p JOIN memberships m ON m.group_id = p.group_id
                         WHERE p.required = 1 AND m.user_id = :user) AS required`,
      ),
    };
  }

  async getTotp(userId: number): Promise<TotpRecord | null> {
    const row = this.stmt.getTotp.get(userId) as { user_id: number; secret: string; last_step: number; enrolled_at: string } | undefined;
    return row ? { userId: row.user_id, secret: row.secret, lastStep: row.last_step, enrolledAt: row.enrolled_at } : null;
  }

  async enrolTotp(userId: number, secret: string, recoveryCodeHashes: string[]): Promise<void> {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      this.stmt.upsertTotp.run(userId, secret, now);
      this.stmt.deleteCodes.run(userId);
      for (const hash of recoveryCodeHashes) this.stmt.insertCode.run(userId, hash, now);
    })();
  }

  async claimTotpStep(userId: number, step: number): Promise<boolean> {
    return this.stmt.claimStep.run(step, userId, step).changes === 1;
  }

  async consumeRecoveryCode(userId: number, codeHash: string): Promise<boolean> {
    return this.stmt.consumeCode.run(new Date().toISOString(), userId, codeHash).changes === 1;
  }

  async replaceRecoveryCodes(userId: number, codeHashes: string[]): Promise<void> {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      this.stmt.deleteCodes.run(userId);
      for (const hash of codeHashes) this.stmt.insertCode.run(userId, hash, now);
    })();
  }

  async countUnusedRecoveryCodes(userId: number): Promise<number> {
    return (this.stmt.countCodes.get(userId) as { n: number }).n;
  }

  async deleteSecondFactor(userId: number): Promise<boolean> {
    return this.db.transaction(() => {
      const totp = this.stmt.deleteTotp.run(userId).changes;
      const codes = this.stmt.deleteCodes.run(userId).changes;
      return totp + codes > 0;
    })();
  }

  async putEnrolmentCode(userId: number, codeHash: string, createdBy: string, expiresAt: number): Promise<void> {
    this.stmt.putEnrolmentCode.run(userId, codeHash, createdBy, new Date().toISOString(), expiresAt);
  }

  async hasEnrolmentCode(userId: number, codeHash: string, now: number): Promise<boolean> {
    return this.stmt.findEnrolmentCode.get(userId, codeHash, now) !== undefined;
  }

  async consumeEnrolmentCode(userId: number, codeHash: string, now: number): Promise<boolean> {
    // One statement: of two requests redeeming the same code, exactly one deletes it.
    return this.stmt.consumeEnrolmentCode.run(userId, codeHash, now).changes === 1;
  }

  async enrolmentCodeExpiry(userId: number, now: number): Promise<number | null> {
    const row = this.stmt.enrolmentCodeExpiry.get(userId, now) as { expires_at: number } | undefined;
    return row ? row.expires_at : null;
  }

  async setGroupMfaRequired(groupId: number, required: boolean): Promise<void> {
    this.stmt.setPolicy.run(groupId, required ? 1 : 0, new Date().toISOString());
  }

  async listGroupsRequiringMfa(): Promise<number[]> {
    return (this.stmt.policies.all() as Array<{ group_id: number }>).map((r) => r.group_id);
  }

  async secondFactorRequired(userId: number): Promise<boolean> {
    // Anything but a plain 0 counts as required: a surprise in the row type must fail closed.
    return Number((this.stmt.secondFactorRequired.get({ user: userId }) as { required: number | bigint }).required) !== 0;
  }

  async groupsRequiringMfaFor(userId: number): Promise<string[]> {
    return (this.stmt.policiesOfUser.all(userId) as Array<{ name: string }>).map((r) => r.name);
  }
}
