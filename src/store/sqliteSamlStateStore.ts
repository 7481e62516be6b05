import type Database from 'better-sqlite3';
import type { SamlStateStore, SpSessionRecord } from './samlStateStore';

interface SpSessionRow {
  idp_session_index: string;
  sp_entity_id: string;
  sp_session_index: string;
  name_id: string;
  name_id_format: string;
  sid: string;
  user_id: number;
  created_at: number;
  expires_at: number;
}

const toRecord = (row: SpSessionRow): SpSessionRecord => ({
  idpSessionIndex: row.idp_session_index,
  spEntityId: row.sp_entity_id,
  spSessionIndex: row.sp_session_index,
  nameId: row.name_id,
  nameIdFormat: row.name_id_format,
  sid: row.sid,
  userId: row.user_id,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
});

/** SAML protocol state in the SQLite store (constructed from SqliteStore.db); WAL makes it shared by every worker. */
export class SqliteSamlStateStore implements SamlStateStore {
  private readonly stmt;

  constructor(db: Database.Database) {
    this.stmt = {
      insertId: db.prepare(`INSERT OR IGNORE INTO saml_message_ids (issuer, message_id, expires_at) VALUES (?, ?, ?)`),
      putTx: db.prepare(`INSERT INTO saml_transactions (key, kind, data, expires_at) VALUES (?, ?, ?, ?)
                         ON CONFLICT(key) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at WHERE kind = excluded.kind`),
      getTx: db.prepare(`SELECT data FROM saml_transactions WHERE key = ? AND kind = ? AND expires_at > ?`),
      takeTx: db.prepare(`DELETE FROM saml_transactions WHERE key = ? AND kind = ?`),
      upsertSession: db.prepare(
        `INSERT INTO sp_sessions (idp_session_index, sp_entity_id, sp_session_index, name_id, name_id_format, sid, user_id, created_at, expires_at)
         VALUES (@idpSessionIndex, @spEntityId, @spSessionIndex, @nameId, @nameIdFormat, @sid, @userId, @createdAt, @expiresAt)
         ON CONFLICT(idp_session_index, sp_entity_id) DO UPDATE SET sp_session_index = excluded.sp_session_index, name_id = excluded.name_id,
           name_id_format = excluded.name_id_format, sid = excluded.sid, expires_at = excluded.expires_at`,
      ),
      sessionsOf: db.prepare(`SELECT * FROM sp_sessions WHERE idp_session_index = ? AND expires_at > ? ORDER BY created_at, sp_entity_id`),
      sessionsBySubject: db.prepare(`SELECT * FROM sp_sessions WHERE sp_entity_id = ? AND name_id = ? AND expires_at > ?`),
      removeSessions: db.prepare(`DELETE FROM sp_sessions WHERE idp_session_index = ?`),
      purgeIds: db.prepare(`DELETE FROM saml_message_ids WHERE expires_at <= ?`),
      purgeTx: db.prepare(`DELETE FROM saml_transactions WHERE expires_at <= ?`),
      purgeSessions: db.prepare(`DELETE FROM sp_sessions WHERE expires_at <= ?`),
    };
  }

  async rememberMessageId(issuer: string, messageId: string, expiresAt: number): Promise<boolean> {
    // Expired IDs go first: a message older than its window is refused as stale before it gets here.
    this.stmt.purgeIds.run(Date.now());
    return this.stmt.insertId.run(issuer, messageId, expiresAt).changes === 1;
  }

  async putTransaction(key: string, kind: string, data: string, expiresAt: number): Promise<void> {
    this.stmt.purgeTx.run(Date.now());
    this.stmt.putTx.run(key, kind, data, expiresAt);
  }

  async getTransaction(key: string, kind: string, now: number): Promise<string | null> {
    const row = this.stmt.getTx.get(key, kind, now) as { data: string } | undefined;
    return row ? row.data : null;
  }

  async takeTransaction(key: string, kind: string): Promise<boolean> {
    return this.stmt.takeTx.run(key, kind).changes > 0;
  }

  async recordSpSession(record: SpSessionRecord): Promise<void> {
    this.stmt.purgeSessions.run(Date.now());
    this.stmt.upsertSession.run(record);
  }

  async listSpSessions(idpSessionIndex: string, now: number): Promise<SpSessionRecord[]> {
    return (this.stmt.sessionsOf.all(idpSessionIndex, now) as SpSessionRow[]).map(toRecord);
  }

  async findSpSessionsBySubject(spEntityId: string, nameId: string, now: number): Promise<SpSessionRecord[]> {
    return (this.stmt.sessionsBySubject.all(spEntityId, nameId, now) as SpSessionRow[]).map(toRecord);
  }

  async removeSpSessions(idpSessionIndex: string): Promise<void> {
    this.stmt.removeSessions.run(idpSessionIndex);
  }

  async purgeExpired(now: number): Promise<void> {
    this.stmt.purgeIds.run(now);
    this.stmt.purgeTx.run(now);
    this.stmt.purgeSessions.run(now);
  }
}
