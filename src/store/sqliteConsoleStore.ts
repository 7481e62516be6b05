import type Database from 'better-sqlite3';
import type { AuditRecord } from './store';
import type { AuditSearch, AwsAccountRecord, ConsoleStore, GroupMember, UserSession } from './consoleStore';
import { searchAuditLog } from './sqliteAuditSearch';

/** ConsoleStore over the SqliteStore connection. */
export class SqliteConsoleStore implements ConsoleStore {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      members: db.prepare(
        `SELECT u.id, u.username, u.display_name, u.disabled, (d.user_id IS NOT NULL) AS via_directory
           FROM memberships m JOIN users u ON u.id = m.user_id
           LEFT JOIN directory_memberships d ON d.user_id = m.user_id AND d.group_id = m.group_id
          WHERE m.group_id = ? ORDER BY u.username`,
      ),
      memberCounts: db.prepare(`SELECT group_id, COUNT(*) AS n FROM memberships GROUP BY group_id`),
      sessions: db.prepare(
        `SELECT sid, data, expires_at FROM sessions WHERE expires_at > ? AND json_extract(data, '$.userId') = ? ORDER BY expires_at DESC`,
      ),
      accounts: db.prepare(`SELECT account_id, label, created_at FROM aws_accounts ORDER BY label, account_id`),
      putAccount: db.prepare(
        `INSERT INTO aws_accounts (account_id, label, created_at) VALUES (?, ?, ?) ON CONFLICT(account_id) DO UPDATE SET label = excluded.label`,
      ),
      removeAccount: db.prepare(`DELETE FROM aws_accounts WHERE account_id = ?`),
    };
  }

  async listGroupMembers(groupId: number): Promise<GroupMember[]> {
    return (this.stmt.members.all(groupId) as Array<{ id: number; username: string; display_name: string; disabled: number; via_directory: number }>).map((r) => ({
      userId: r.id,
      username: r.username,
      displayName: r.display_name,
      disabled: r.disabled === 1,
      viaDirectory: r.via_directory === 1,
    }));
  }

  async countGroupMembers(): Promise<Map<number, number>> {
    return new Map((this.stmt.memberCounts.all() as Array<{ group_id: number; n: number }>).map((r) => [r.group_id, r.n]));
  }

  async searchAudit(filter: AuditSearch): Promise<AuditRecord[]> {
    return searchAuditLog(this.db, filter);
  }

  async listUserSessions(userId: number, now: number): Promise<UserSession[]> {
    return (this.stmt.sessions.all(now, userId) as Array<{ sid: string; data: string; expires_at: number }>).map((r) => ({
      sid: r.sid,
      expiresAt: r.expires_at,
      data: JSON.parse(r.data) as Record<string, unknown>,
    }));
  }

  async listAwsAccounts(): Promise<AwsAccountRecord[]> {
    return (this.stmt.accounts.all() as Array<{ account_id: string; label: string; created_at: string }>).map((r) => ({
      accountId: r.account_id,
      label: r.label,
      createdAt: r.created_at,
    }));
  }

  async putAwsAccount(accountId: string, label: string): Promise<void> {
    this.stmt.putAccount.run(accountId, label, new Date().toISOString());
  }

  async removeAwsAccount(accountId: string): Promise<boolean> {
    return this.stmt.removeAccount.run(accountId).changes > 0;
  }
}
