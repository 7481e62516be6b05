import type { SqliteMigration } from '../sqliteMigration';

/**
 * Security review, finding 3: enrolling a second factor at sign-in (a group requires one and the user
 * has none) needs a one-time code an administrator issued. One live code per user, stored as a keyed
 * hash, with its expiry; redeeming deletes it.
 */
export const mfaEnrolmentCodesMigration: SqliteMigration = {
  name: '0006_mfa_enrolment_codes',
  sql: `
  CREATE TABLE mfa_enrolment_codes (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  `,
};
