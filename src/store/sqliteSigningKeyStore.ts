import type Database from 'better-sqlite3';
import { StoreConflictError } from './store';
import type { SigningKeyRecord, SigningKeyState, SigningKeyStore } from './signingKeyStore';

const VERSION_SETTING = 'signing_keyring_version';

interface Row {
  id: string;
  state: SigningKeyState;
  key_path: string;
  cert_path: string;
  not_after: string;
  created_at: string;
  activated_at: string | null;
  retired_at: string | null;
}

/** SigningKeyStore over the SqliteStore connection; the ring version lives in `settings`. */
export class SqliteSigningKeyStore implements SigningKeyStore {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      list: db.prepare(`SELECT * FROM signing_keys ORDER BY created_at, id`),
      insert: db.prepare(
        `INSERT INTO signing_keys (id, state, key_path, cert_path, not_after, created_at, activated_at)
         VALUES (@id, @state, @keyPath, @certPath, @notAfter, @now, @activatedAt)`,
      ),
      change: db.prepare(
        `UPDATE signing_keys SET state = @to,
           activated_at = CASE WHEN @to = 'current' THEN @now ELSE activated_at END,
           retired_at = CASE WHEN @to = 'retired' THEN @now ELSE retired_at END
         WHERE id = @id AND state = @from`,
      ),
      version: db.prepare(`SELECT value FROM settings WHERE name = '${VERSION_SETTING}'`),
      bump: db.prepare(
        `INSERT INTO settings (name, value) VALUES ('${VERSION_SETTING}', '1')
         ON CONFLICT(name) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)`,
      ),
    };
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return (this.stmt.list.all() as Row[]).map((r) => ({
      id: r.id,
      state: r.state,
      keyPath: r.key_path,
      certPath: r.cert_path,
      notAfter: r.not_after,
      createdAt: r.created_at,
      activatedAt: r.activated_at,
      retiredAt: r.retired_at,
    }));
  }

  async addSigningKey(key: Omit<SigningKeyRecord, 'createdAt' | 'activatedAt' | 'retiredAt'>): Promise<void> {
    const now = new Date().toISOString();
    try {
      this.db.transaction(() => {
        this.stmt.insert.run({ ...key, now, activatedAt: key.state === 'current' ? now : null });
        this.stmt.bump.run();
      }).immediate();
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) {
        throw new StoreConflictError(`the key ring already has a ${key.state} key (or key ${key.id})`);
      }
      throw error;
    }
  }

  async changeSigningKeyStates(changes: Array<{ id: string; from: SigningKeyState; to: SigningKeyState }>): Promise<void> {
    const now = new Date().toISOString();
    try {
      this.db.transaction(() => {
        for (const change of changes) {
          if (this.stmt.change.run({ ...change, now }).changes !== 1) {
            throw new StoreConflictError(`signing key ${change.id} is no longer ${change.from}: the key ring changed meanwhile; reload the page`);
          }
        }
        this.stmt.bump.run();
      }).immediate();
    } catch (error) {
      if (error instanceof StoreConflictError) throw error;
      if ((error as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) {
        throw new StoreConflictError('the key ring changed meanwhile; reload the page');
      }
      throw error;
    }
  }

  async signingKeyRingVersion(): Promise<number> {
    const row = this.stmt.version.get() as { value: string } | undefined;
    return row ? Number(row.value) : 0;
  }
}
