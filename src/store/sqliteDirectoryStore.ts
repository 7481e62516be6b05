import type Database from 'better-sqlite3';
import type { DirectoryAccount, DirectoryGroupMapping, DirectoryStore } from './directoryStore';

interface AccountRow {
  user_id: number;
  dn: string;
  directory_id: string | null;
  synced_at: string;
}

/** DirectoryStore over the SqliteStore connection (tables from migrations 0002_mfa_directory and 0005_directory_ids). */
export class SqliteDirectoryStore implements DirectoryStore {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      account: db.prepare(`SELECT user_id, dn, directory_id, synced_at FROM directory_accounts WHERE user_id = ?`),
      accountByDirectoryId: db.prepare(`SELECT user_id, dn, directory_id, synced_at FROM directory_accounts WHERE directory_id = ?`),
      accounts: db.prepare(`SELECT user_id, dn, directory_id, synced_at FROM directory_accounts ORDER BY user_id`),
      link: db.prepare(
        `INSERT INTO directory_accounts (user_id, dn, directory_id, synced_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(user_id) DO UPDATE SET dn = excluded.dn, directory_id = excluded.directory_id, synced_at = excluded.synced_at`,
      ),
      unlink: db.prepare(`UPDATE directory_accounts SET dn = '', directory_id = NULL, synced_at = ? WHERE user_id = ?`),
      profile: db.prepare(
        `UPDATE users SET display_name = ?, email = ?, updated_at = ? WHERE id = ? AND (display_name IS NOT ? OR email IS NOT ?)`,
      ),
      map: db.prepare(`INSERT OR IGNORE INTO directory_group_map (directory_group, group_id, created_at) VALUES (?, ?, ?)`),
      unmap: db.prepare(`DELETE FROM directory_group_map WHERE directory_group = ? AND group_id = ?`),
      mappings: db.prepare(
        `SELECT m.directory_group, m.group_id, g.name AS group_name FROM directory_group_map m JOIN groups g ON g.id = m.group_id
          ORDER BY g.name, m.directory_group`,
      ),
      owned: db.prepare(`SELECT group_id FROM directory_memberships WHERE user_id = ?`),
      addOwned: db.prepare(`INSERT OR IGNORE INTO directory_memberships (user_id, group_id) VALUES (?, ?)`),
      removeOwned: db.prepare(`DELETE FROM directory_memberships WHERE user_id = ? AND group_id = ?`),
      addMembership: db.prepare(`INSERT OR IGNORE INTO memberships (group_id, user_id, created_at) VALUES (?, ?, ?)`),
      removeMembership: db.prepare(`DELETE FROM memberships WHERE group_id = ? AND user_id = ?`),
      isMember: db.prepare(`SELECT 1 FROM memberships WHERE group_id = ? AND user_id = ?`),
    };
  }

  private static account(row: AccountRow): DirectoryAccount {
    return { userId: row.user_id, dn: row.dn, directoryId: row.directory_id, syncedAt: row.synced_at };
  }

  async findDirectoryAccount(userId: number): Promise<DirectoryAccount | null> {
    const row = this.stmt.account.get(userId) as AccountRow | undefined;
    return row ? SqliteDirectoryStore.account(row) : null;
  }

  async findDirectoryAccountByDirectoryId(directoryId: string): Promise<DirectoryAccount | null> {
    const row = this.stmt.accountByDirectoryId.get(directoryId) as AccountRow | undefined;
    return row ? SqliteDirectoryStore.account(row) : null;
  }

  async linkDirectoryAccount(userId: number, dn: string, directoryId: string): Promise<void> {
    this.stmt.link.run(userId, dn, directoryId, new Date().toISOString());
  }

  async unlinkDirectoryAccount(userId: number): Promise<boolean> {
    return this.stmt.unlink.run(new Date().toISOString(), userId).changes > 0;
  }

  async listDirectoryAccounts(): Promise<DirectoryAccount[]> {
    return (this.stmt.accounts.all() as AccountRow[]).map(SqliteDirectoryStore.account);
  }

  async updateDirectoryProfile(userId: number, displayName: string, email: string | null): Promise<void> {
    this.stmt.profile.run(displayName, email, new Date().toISOString(), userId, displayName, email);
  }

  async mapDirectoryGroup(directoryGroup: string, groupId: number): Promise<boolean> {
    return this.stmt.map.run(directoryGroup, groupId, new Date().toISOString()).changes > 0;
  }

  async unmapDirectoryGroup(directoryGroup: string, groupId: number): Promise<boolean> {
    return this.stmt.unmap.run(directoryGroup, groupId).changes > 0;
  }

  async listDirectoryGroupMappings(): Promise<DirectoryGroupMapping[]> {
    return (this.stmt.mappings.all() as Array<{ directory_group: string; group_id: number; group_name: string }>).map((r) => ({
      directoryGroup: r.directory_group,
      groupId: r.group_id,
      groupName: r.group_name,
    }));
  }

  async syncDirectoryMemberships(userId: number, groupIds: number[]): Promise<{ added: number[]; removed: number[] }> {
    const wanted = new Set(groupIds);
    const now = new Date().toISOString();
    return this.db.transaction(() => {
      const owned = new Set((this.stmt.owned.all(userId) as Array<{ group_id: number }>).map((r) => r.group_id));
      const added: number[] = [];
      const removed: number[] = [];
      for (const groupId of wanted) {
        if (owned.has(groupId)) continue;
        // A membership an admin already made stays the admin's: the directory does not take it over.
        if (this.stmt.isMember.get(groupId, userId)) continue;
        this.stmt.addMembership.run(groupId, userId, now);
        this.stmt.addOwned.run(userId, groupId);
        added.push(groupId);
      }
      for (const groupId of owned) {
        if (wanted.has(groupId)) continue;
        this.stmt.removeMembership.run(groupId, userId);
        this.stmt.removeOwned.run(userId, groupId);
        removed.push(groupId);
      }
      return { added, removed };
    }).immediate();
  }
}
