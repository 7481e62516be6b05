import type Database from 'better-sqlite3';
import type { ApiTokenRecord, ApiTokenStore } from './apiTokenStore';

interface ApiTokenRow {
  token_hash: string;
  user_id: number;
  authn_instant: number;
  session_index: string;
  second_factor: number;
  client_ip: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

const toRecord = (row: ApiTokenRow): ApiTokenRecord => ({
  tokenHash: row.token_hash,
  userId: row.user_id,
  authnInstant: row.authn_instant,
  sessionIndex: row.session_index,
  secondFactor: row.second_factor === 1,
  clientIp: row.client_ip,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
});

/** The SQLite implementation, sharing the connection of `SqliteStore.db` (table from migration 0004_api_tokens). */
export class SqliteApiTokenStore implements ApiTokenStore {
  private readonly stmt;

  constructor(db: Database.Database) {
    this.stmt = {
      insert: db.prepare(
        `INSERT INTO api_tokens (token_hash, user_id, authn_instant, session_index, second_factor, client_ip, created_at, expires_at, revoked_at)
         VALUES (@tokenHash, @userId, @authnInstant, @sessionIndex, @secondFactor, @clientIp, @createdAt, @expiresAt, NULL)`,
      ),
      findLive: db.prepare(`SELECT * FROM api_tokens WHERE token_hash = ? AND expires_at > ? AND revoked_at IS NULL`),
      revoke: db.prepare(`UPDATE api_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?`),
      revokeOfUser: db.prepare(`UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?`),
      purge: db.prepare(`DELETE FROM api_tokens WHERE expires_at <= ?`),
    };
  }

  async putApiToken(record: ApiTokenRecord): Promise<void> {
    this.stmt.insert.run({ ...record, secondFactor: record.secondFactor ? 1 : 0 });
  }

  async findLiveApiToken(tokenHash: string, now: number): Promise<ApiTokenRecord | null> {
    const row = this.stmt.findLive.get(tokenHash, now) as ApiTokenRow | undefined;
    return row ? toRecord(row) : null;
  }

  async revokeApiToken(tokenHash: string, now: number): Promise<boolean> {
    return this.stmt.revoke.run(now, tokenHash, now).changes > 0;
  }

  async revokeApiTokensOfUser(userId: number, now: number): Promise<number> {
    return this.stmt.revokeOfUser.run(now, userId, now).changes;
  }

  async purgeExpiredApiTokens(now: number): Promise<number> {
    return this.stmt.purge.run(now).changes;
  }
}
