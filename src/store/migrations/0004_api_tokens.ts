import type { SqliteMigration } from '../sqliteMigration';

/**
 * Issue 3: short-lived bearer tokens of the JSON API used by `sesame-aws`. Only a SHA-256 of each
 * token is stored, so a copy of the database cannot be replayed against the API.
 */
export const apiTokensMigration: SqliteMigration = {
  name: '0004_api_tokens',
  sql: `
  CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- AuthnInstant and SessionIndex of the assertions issued under this token.
    authn_instant INTEGER NOT NULL,
    session_index TEXT NOT NULL,
    second_factor INTEGER NOT NULL CHECK (second_factor IN (0, 1)),
    client_ip TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
  );
  CREATE INDEX api_tokens_by_user ON api_tokens(user_id);
  CREATE INDEX api_tokens_by_expiry ON api_tokens(expires_at);
  `,
};
