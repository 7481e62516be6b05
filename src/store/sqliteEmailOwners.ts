import type Database from 'better-sqlite3';
import type { EmailOwners } from './emailOwners';

/** EmailOwners over the users table of the SQLite store (constructed from SqliteStore.db). */
export class SqliteEmailOwners implements EmailOwners {
  private readonly count;

  constructor(db: Database.Database) {
    this.count = db.prepare(`SELECT COUNT(*) AS n FROM users WHERE email = ? COLLATE NOCASE AND disabled = 0`);
  }

  async countActiveUsersWithEmail(email: string): Promise<number> {
    return (this.count.get(email) as { n: number }).n;
  }
}
