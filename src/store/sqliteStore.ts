import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { sqliteMigrations } from './sqliteMigrations';
import { AuditGroupCommit } from './auditGroupCommit';
import { searchAuditLog } from './sqliteAuditSearch';
import {
  StoreConflictError,
  type AuditEntry,
  type AuditRecord,
  type GroupRecord,
  type NewRoleGrant,
  type AttemptPolicy,
  type AttemptResult,
  type DisableOutcome,
  type NewUser,
  type RoleGrantRecord,
  type Store,
  type StoredSession,
  type ThrottleState,
  type UserRecord,
} from './store';

interface UserRow {
  id: number;
  username: string;
  display_name: string;
  email: string | null;
  password_hash: string | null;
  is_admin: number;
  disabled: number;
  subject_seed: string;
  created_at: string;
  updated_at: string;
}

interface GroupRow {
  id: number;
  name: string;
  description: string | null;
  created_at: string;
}

interface GrantRow {
  id: number;
  group_id: number;
  group_name: string;
  role_arn: string;
  provider_arn: string;
  label: string | null;
  session_duration: number | null;
  created_at: string;
}

interface ThrottleRow {
  failures: number;
  window_started_at: number;
  locked_until: number;
  lockouts: number;
}

const toUser = (row: UserRow): UserRecord => ({
  id: row.id,
  username: row.username,
  displayName: row.display_name,
  email: row.email,
  passwordHash: row.password_hash,
  isAdmin: row.is_admin === 1,
  disabled: row.disabled === 1,
  subjectSeed: row.subject_seed,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toGroup = (row: GroupRow): GroupRecord => ({
  id: row.id,
  name: row.name,
  description: row.description,
  createdAt: row.created_at,
});

const toGrant = (row: GrantRow): RoleGrantRecord => ({
  id: row.id,
  groupId: row.group_id,
  groupName: row.group_name,
  roleArn: row.role_arn,
  providerArn: row.provider_arn,
  label: row.label,
  sessionDuration: row.session_duration,
  createdAt: row.created_at,
});

const GRANT_COLUMNS = `g.id, g.group_id, gr.name AS group_name, g.role_arn, g.provider_arn, g.label, g.session_duration, g.created_at`;

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** Applies pending migrations by name; safe to call from several processes at once (BEGIN IMMEDIATE serialises them). */
function migrate(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`);
  const apply = db.transaction(() => {
    const applied = new Set((db.prepare(`SELECT name FROM schema_migrations`).all() as Array<{ name: string }>).map((r) => r.name));
    const known = new Set(sqliteMigrations.map((m) => m.name));
    const unknown = [...applied].filter((name) => !known.has(name));
    if (unknown.length > 0) throw new Error(`the database has migrations this Sesame does not know (${unknown.join(', ')}): upgrade Sesame`);
    for (const migration of sqliteMigrations) {
      if (applied.has(migration.name)) continue;
      db.exec(migration.sql);
      db.prepare(`INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`).run(migration.name, new Date().toISOString());
    }
  });
  apply.immediate();
}

/** How long a statement waits for another process's write lock before failing. */
const BUSY_TIMEOUT_MS = 5000;

/** The embedded default store: one SQLite file under the data directory, in WAL mode so several processes can share it. */
export class SqliteStore implements Store {
  /** The connection, for the SQLite implementations of the other store interfaces (SP registry, MFA …). */
  readonly db: Database.Database;
  private readonly stmt: ReturnType<SqliteStore['prepare']>;
  private readonly audit: AuditGroupCommit;

  private constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('synchronous = NORMAL');
    migrate(this.db);
    this.stmt = this.prepare();
    this.audit = new AuditGroupCommit(this.db, this.stmt.insertAudit, BUSY_TIMEOUT_MS);
  }

  /** Opens (creating when needed) `<dataDir>/sesame.db`; the directory and file are private to the owner. */
  static open(dataDir: string): SqliteStore {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(dataDir, 'sesame.db');
    // Created private before SQLite opens it: SQLite gives its -wal and -shm files the same mode.
    fs.closeSync(fs.openSync(file, 'a', 0o600));
    return new SqliteStore(file);
  }

  private prepare() {
    const db = this.db;
    return {
      insertUser: db.prepare(
        `INSERT INTO users (username, display_name, email, password_hash, is_admin, subject_seed, created_at, updated_at)
         VALUES (@username, @displayName, @email, @passwordHash, @isAdmin, @subjectSeed, @now, @now)`,
      ),
      userByName: db.prepare(`SELECT * FROM users WHERE username = ?`),
      userById: db.prepare(`SELECT * FROM users WHERE id = ?`),
      users: db.prepare(`SELECT * FROM users ORDER BY username`),
      countAdmins: db.prepare(`SELECT COUNT(*) AS n FROM users WHERE is_admin = 1 AND disabled = 0`),
      setPassword: db.prepare(`UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`),
      setDisabled: db.prepare(`UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?`),
      insertGroup: db.prepare(`INSERT INTO groups (name, description, created_at) VALUES (?, ?, ?)`),
      groupByName: db.prepare(`SELECT * FROM groups WHERE name = ?`),
      groups: db.prepare(`SELECT * FROM groups ORDER BY name`),
      addMember: db.prepare(`INSERT OR IGNORE INTO memberships (group_id, user_id, created_at) VALUES (?, ?, ?)`),
      removeMember: db.prepare(`DELETE FROM memberships WHERE group_id = ? AND user_id = ?`),
      groupsOfUser: db.prepare(
        `SELECT gr.* FROM groups gr JOIN memberships m ON m.group_id = gr.id WHERE m.user_id = ? ORDER BY gr.name`,
      ),
      insertGrant: db.prepare(
        `INSERT INTO role_grants (group_id, role_arn, provider_arn, label, session_duration, created_at)
         VALUES (@groupId, @roleArn, @providerArn, @label, @sessionDuration, @now)`,
      ),
      grantById: db.prepare(`SELECT ${GRANT_COLUMNS} FROM role_grants g JOIN groups gr ON gr.id = g.group_id WHERE g.id = ?`),
      grants: db.prepare(`SELECT ${GRANT_COLUMNS} FROM role_grants g JOIN groups gr ON gr.id = g.group_id ORDER BY g.role_arn, gr.name`),
      grantsOfUser: db.prepare(
        `SELECT ${GRANT_COLUMNS} FROM role_grants g
           JOIN groups gr ON gr.id = g.group_id
           JOIN memberships m ON m.group_id = g.group_id
          WHERE m.user_id = ?
          ORDER BY g.role_arn, g.provider_arn, gr.name`,
      ),
      removeGrant: db.prepare(`DELETE FROM role_grants WHERE id = ?`),
      insertAudit: db.prepare(
        `INSERT INTO audit_log (at, event, actor, subject, client_ip, details) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      getSetting: db.prepare(`SELECT value FROM settings WHERE name = ?`),
      insertSettingIfAbsent: db.prepare(`INSERT OR IGNORE INTO settings (name, value) VALUES (?, ?)`),
      upsertSetting: db.prepare(`INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value`),
      deleteSetting: db.prepare(`DELETE FROM settings WHERE name = ?`),
      getThrottle: db.prepare(`SELECT failures, window_started_at, locked_until, lockouts FROM login_throttle WHERE key = ?`),
      putThrottle: db.prepare(
        `INSERT INTO login_throttle (key, failures, window_started_at, locked_until, lockouts) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET failures = excluded.failures, window_started_at = excluded.window_started_at,
         locked_until = excluded.locked_until, lockouts = excluded.lockouts`,
      ),
      clearThrottle: db.prepare(`DELETE FROM login_throttle WHERE key = ?`),
      forgiveAttempt: db.prepare(`UPDATE login_throttle SET failures = MAX(failures - 1, 0) WHERE key = ?`),
      consumeSetting: db.prepare(`DELETE FROM settings WHERE name = ? RETURNING value`),
      getSession: db.prepare(`SELECT data, expires_at FROM sessions WHERE sid = ? AND expires_at > ?`),
      putSession: db.prepare(
        `INSERT INTO sessions (sid, data, expires_at) VALUES (?, ?, ?)
         ON CONFLICT(sid) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`,
      ),
      touchSession: db.prepare(`UPDATE sessions SET expires_at = ? WHERE sid = ?`),
      destroySession: db.prepare(`DELETE FROM sessions WHERE sid = ?`),
      // Signed-in sessions carry userId; sessions waiting for the second factor carry mfaPending.userId.
      sessionIdsByIndex: db.prepare(`SELECT sid FROM sessions WHERE (CASE WHEN json_valid(data) THEN json_extract(data, '$.sessionIndex') END) = ? AND expires_at > ?`),
      destroyUserSessions: db.prepare(
        `DELETE FROM sessions WHERE sid <> ? AND (json_extract(data, '$.userId') = ? OR json_extract(data, '$.mfaPending.userId') = ?)`,
      ),
      purgeSessions: db.prepare(`DELETE FROM sessions WHERE expires_at <= ?`),
      // A lock is remembered for a day after it ends, so consecutive locks keep escalating (AttemptPolicy.maxLockMs).
      purgeThrottle: db.prepare(`DELETE FROM login_throttle WHERE locked_until <= ? AND window_started_at <= ?`),
      userDisabledState: db.prepare(`SELECT is_admin, disabled FROM users WHERE id = ?`),
    };
  }

  async close(): Promise<void> {
    this.audit.flush(true);
    this.db.close();
  }

  async createUser(user: NewUser): Promise<UserRecord> {
    try {
      const info = this.stmt.insertUser.run({
        username: user.username,
        displayName: user.displayName,
        email: user.email,
        passwordHash: user.passwordHash,
        isAdmin: user.isAdmin ? 1 : 0,
        subjectSeed: randomBytes(32).toString('base64url'),
        now: new Date().toISOString(),
      });
      return toUser(this.stmt.userById.get(info.lastInsertRowid) as UserRow);
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflictError(`a user named "${user.username}" already exists`);
      throw error;
    }
  }

  async findUserByUsername(username: string): Promise<UserRecord | null> {
    const row = this.stmt.userByName.get(username) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  async findUserById(id: number): Promise<UserRecord | null> {
    const row = this.stmt.userById.get(id) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  async listUsers(): Promise<UserRecord[]> {
    return (this.stmt.users.all() as UserRow[]).map(toUser);
  }

  async countAdmins(): Promise<number> {
    return (this.stmt.countAdmins.get() as { n: number }).n;
  }

  async setPasswordHash(userId: number, passwordHash: string): Promise<void> {
    this.stmt.setPassword.run(passwordHash, new Date().toISOString(), userId);
  }

  async setUserDisabled(userId: number, disabled: boolean): Promise<void> {
    this.stmt.setDisabled.run(disabled ? 1 : 0, new Date().toISOString(), userId);
  }

  async disableUserUnlessLastAdmin(userId: number): Promise<DisableOutcome> {
    // IMMEDIATE: the write lock is taken before the count is read, so another process's disable waits.
    const disable = this.db.transaction((): DisableOutcome => {
      const row = this.stmt.userDisabledState.get(userId) as { is_admin: number; disabled: number } | undefined;
      if (!row) return 'no_such_user';
      if (row.disabled === 1) return 'already_disabled';
      if (row.is_admin === 1 && (this.stmt.countAdmins.get() as { n: number }).n <= 1) return 'last_admin';
      this.stmt.setDisabled.run(1, new Date().toISOString(), userId);
      return 'disabled';
    });
    return disable.immediate();
  }

  async createGroup(name: string, description: string | null): Promise<GroupRecord> {
    try {
      const createdAt = new Date().toISOString();
      const info = this.stmt.insertGroup.run(name, description, createdAt);
      return { id: Number(info.lastInsertRowid), name, description, createdAt };
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflictError(`a group named "${name}" already exists`);
      throw error;
    }
  }

  async findGroupByName(name: string): Promise<GroupRecord | null> {
    const row = this.stmt.groupByName.get(name) as GroupRow | undefined;
    return row ? toGroup(row) : null;
  }

  async listGroups(): Promise<GroupRecord[]> {
    return (this.stmt.groups.all() as GroupRow[]).map(toGroup);
  }

  async addMember(groupId: number, userId: number): Promise<boolean> {
    return this.stmt.addMember.run(groupId, userId, new Date().toISOString()).changes > 0;
  }

  async removeMember(groupId: number, userId: number): Promise<boolean> {
    return this.stmt.removeMember.run(groupId, userId).changes > 0;
  }

  async listGroupsOfUser(userId: number): Promise<GroupRecord[]> {
    return (this.stmt.groupsOfUser.all(userId) as GroupRow[]).map(toGroup);
  }

  async addRoleGrant(grant: NewRoleGrant): Promise<RoleGrantRecord> {
    try {
      const info = this.stmt.insertGrant.run({ ...grant, now: new Date().toISOString() });
      return toGrant(this.stmt.grantById.get(info.lastInsertRowid) as GrantRow);
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflictError(`that group already has a grant for ${grant.roleArn}`);
      throw error;
    }
  }

  async listRoleGrants(): Promise<RoleGrantRecord[]> {
    return (this.stmt.grants.all() as GrantRow[]).map(toGrant);
  }

  async listRoleGrantsForUser(userId: number): Promise<RoleGrantRecord[]> {
    const seen = new Set<string>();
    const grants: RoleGrantRecord[] = [];
    for (const row of this.stmt.grantsOfUser.all(userId) as GrantRow[]) {
      const key = `${row.role_arn},${row.provider_arn}`;
      if (seen.has(key)) continue;
      seen.add(key);
      grants.push(toGrant(row));
    }
    return grants;
  }

  async removeRoleGrant(id: number): Promise<boolean> {
    return this.stmt.removeGrant.run(id).changes > 0;
  }

  /** Committed in groups (AuditGroupCommit): the promise settles once this line is in the database. */
  async appendAudit(entry: AuditEntry): Promise<void> {
    return this.audit.append([new Date().toISOString(), entry.event, entry.actor, entry.subject ?? null, entry.clientIp ?? null, JSON.stringify(entry.details ?? {})]);
  }

  async listAudit(filter: { event?: string; actor?: string; limit: number }): Promise<AuditRecord[]> {
    return searchAuditLog(this.db, filter);
  }

  async getOrCreateSetting(name: string, create: () => string): Promise<string> {
    const existing = this.stmt.getSetting.get(name) as { value: string } | undefined;
    if (existing) return existing.value;
    this.stmt.insertSettingIfAbsent.run(name, create());
    return (this.stmt.getSetting.get(name) as { value: string }).value;
  }

  async getSetting(name: string): Promise<string | null> {
    const row = this.stmt.getSetting.get(name) as { value: string } | undefined;
    return row ? row.value : null;
  }

  async setSetting(name: string, value: string | null): Promise<void> {
    if (value === null) this.stmt.deleteSetting.run(name);
    else this.stmt.upsertSetting.run(name, value);
  }

  async getThrottle(key: string): Promise<ThrottleState | null> {
    const row = this.stmt.getThrottle.get(key) as ThrottleRow | undefined;
    return row ? { failures: row.failures, windowStartedAt: row.window_started_at, lockedUntil: row.locked_until, ...(row.lockouts ? { lockouts: row.lockouts } : {}) } : null;
  }

  async putThrottle(key: string, state: ThrottleState): Promise<void> {
    this.stmt.putThrottle.run(key, state.failures, state.windowStartedAt, state.lockedUntil, state.lockouts ?? 0);
  }

  async clearThrottle(key: string): Promise<void> {
    this.stmt.clearThrottle.run(key);
  }

  async registerAttempt(key: string, policy: AttemptPolicy): Promise<AttemptResult> {
    // One synchronous IMMEDIATE transaction: no other request or process can interleave.
    const count = this.db.transaction((): AttemptResult => {
      const row = this.stmt.getThrottle.get(key) as ThrottleRow | undefined;
      if (row && row.locked_until > policy.now) return { lockedUntil: row.locked_until };
      const lockouts = row?.lockouts ?? 0;
      const fresh = !row || policy.now - row.window_started_at > policy.windowMs;
      const attempts = fresh ? 1 : row.failures + 1;
      const windowStartedAt = fresh ? policy.now : row.window_started_at;
      if (attempts > policy.maxAttempts) {
        const lockMs = policy.maxLockMs === undefined ? policy.lockMs : Math.min(policy.maxLockMs, policy.lockMs * 2 ** Math.min(lockouts, 30));
        const lockedUntil = policy.now + lockMs;
        // The lock starts a new window, so the key is free again after lockMs.
        this.stmt.putThrottle.run(key, 0, policy.now, lockedUntil, lockouts + 1);
        return { lockedUntil, lockedNow: { lockMs, consecutive: lockouts + 1 } };
      }
      this.stmt.putThrottle.run(key, attempts, windowStartedAt, 0, lockouts);
      return { lockedUntil: 0 };
    });
    return count.immediate();
  }

  async forgiveAttempt(key: string): Promise<void> {
    this.stmt.forgiveAttempt.run(key);
  }

  async consumeSetting(name: string): Promise<string | null> {
    const row = this.stmt.consumeSetting.get(name) as { value: string } | undefined;
    return row ? row.value : null;
  }

  async getSession(sid: string, now: number): Promise<StoredSession | null> {
    const row = this.stmt.getSession.get(sid, now) as { data: string; expires_at: number } | undefined;
    return row ? { data: row.data, expiresAt: row.expires_at } : null;
  }

  async putSession(sid: string, session: StoredSession): Promise<void> {
    this.stmt.putSession.run(sid, session.data, session.expiresAt);
  }

  async touchSession(sid: string, expiresAt: number): Promise<void> {
    this.stmt.touchSession.run(expiresAt, sid);
  }

  async destroySession(sid: string): Promise<void> {
    this.stmt.destroySession.run(sid);
  }

  async findSessionIdsByIndex(sessionIndex: string, now: number): Promise<string[]> {
    return (this.stmt.sessionIdsByIndex.all(sessionIndex, now) as Array<{ sid: string }>).map((row) => row.sid);
  }

  async destroyUserSessions(userId: number, exceptSid?: string): Promise<number> {
    return this.stmt.destroyUserSessions.run(exceptSid ?? '', userId, userId).changes;
  }

  async purgeExpired(now: number): Promise<void> {
    this.stmt.purgeSessions.run(now);
    // Throttle rows whose window started, and whose lock ended, over a day ago carry no information any more.
    this.stmt.purgeThrottle.run(now - 86_400_000, now - 86_400_000);
  }
}
