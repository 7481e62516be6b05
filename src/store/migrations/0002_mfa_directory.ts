import type { SqliteMigration } from '../sqliteMigration';

/**
 * Issue 5: second factor (TOTP secrets, hashed recovery codes, per-group "MFA required"), the
 * LDAP/AD directory link (which users came from the directory, directory→Sesame group mapping, and
 * which memberships the directory sync owns), the signing key ring, and labelled AWS accounts.
 */
export const mfaDirectoryMigration: SqliteMigration = {
  name: '0002_mfa_directory',
  sql: `
  CREATE TABLE mfa_totp (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    -- The last 30-second step accepted: a code for this step or an earlier one is a replay (RFC 6238 §5.2).
    last_step INTEGER NOT NULL DEFAULT -1,
    enrolled_at TEXT NOT NULL
  );
  CREATE TABLE mfa_recovery_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    used_at TEXT,
    UNIQUE (user_id, code_hash)
  );
  CREATE TABLE group_mfa_policy (
    group_id INTEGER PRIMARY KEY REFERENCES groups(id) ON DELETE CASCADE,
    required INTEGER NOT NULL CHECK (required IN (0, 1)),
    updated_at TEXT NOT NULL
  );
  CREATE TABLE directory_accounts (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    dn TEXT NOT NULL,
    synced_at TEXT NOT NULL
  );
  CREATE TABLE directory_group_map (
    directory_group TEXT NOT NULL COLLATE NOCASE,
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (directory_group, group_id)
  );
  -- Memberships the directory sync added: the sync may remove these, never the ones an admin made.
  CREATE TABLE directory_memberships (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, group_id)
  );
  CREATE TABLE signing_keys (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('next', 'current', 'previous', 'retired')),
    key_path TEXT NOT NULL,
    cert_path TEXT NOT NULL,
    not_after TEXT NOT NULL,
    created_at TEXT NOT NULL,
    activated_at TEXT,
    retired_at TEXT
  );
  -- At most one key in each live state; a rollover step that would break this fails as a whole.
  CREATE UNIQUE INDEX signing_keys_one_per_state ON signing_keys(state) WHERE state <> 'retired';
  CREATE TABLE aws_accounts (
    account_id TEXT PRIMARY KEY CHECK (length(account_id) = 12),
    label TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX audit_by_subject ON audit_log(subject, id);
  `,
};
