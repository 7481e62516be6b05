import type { SqliteMigration } from '../sqliteMigration';

/**
 * The SessionIndex each SP was given (saml/spSessionIndex.ts: one per SP and IdP session), so a
 * LogoutRequest is matched on the SP's own index. Rows from before it carry '' and match only a
 * LogoutRequest without SessionIndex for a persistent NameID.
 */
export const spSessionIndexMigration: SqliteMigration = {
  name: '0008_sp_session_index',
  sql: `
  ALTER TABLE sp_sessions ADD COLUMN sp_session_index TEXT NOT NULL DEFAULT '';
  CREATE INDEX sp_sessions_by_sp_session_index ON sp_sessions(sp_entity_id, sp_session_index);
  `,
};
