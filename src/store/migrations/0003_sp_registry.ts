import type { SqliteMigration } from '../sqliteMigration';

/**
 * The SP registry (issue 4) and the short-lived SAML state it needs: message IDs seen (replay
 * cache), login/logout transactions keyed by a random per-transaction key, and which SPs hold a
 * session from which IdP session (Single Logout).
 */
export const spRegistryMigration: SqliteMigration = {
  name: '0003_sp_registry',
  sql: `
  CREATE TABLE service_providers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    entity_id TEXT NOT NULL UNIQUE,
    facts TEXT NOT NULL,
    settings TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('metadata', 'config')),
    metadata_xml TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE saml_message_ids (
    issuer TEXT NOT NULL,
    message_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (issuer, message_id)
  );
  CREATE INDEX saml_message_ids_by_expiry ON saml_message_ids(expires_at);
  CREATE TABLE saml_transactions (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX saml_transactions_by_expiry ON saml_transactions(expires_at);
  CREATE TABLE sp_sessions (
    idp_session_index TEXT NOT NULL,
    sp_entity_id TEXT NOT NULL,
    name_id TEXT NOT NULL,
    name_id_format TEXT NOT NULL,
    sid TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (idp_session_index, sp_entity_id)
  );
  CREATE INDEX sp_sessions_by_subject ON sp_sessions(sp_entity_id, name_id);
  CREATE INDEX sp_sessions_by_expiry ON sp_sessions(expires_at);
  `,
};
