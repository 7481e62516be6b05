import type { SqliteMigration } from '../sqliteMigration';

/**
 * Finds every browser session of one IdP session (SessionIndex): a re-authentication (ForceAuthn,
 * step-up) continues the IdP session under a new session id, and Single Logout must end it too.
 * The json_valid guard keeps a row that is not JSON from failing every write to the table.
 */
export const sessionIndexLookupMigration: SqliteMigration = {
  name: '0009_session_index_lookup',
  sql: `
  CREATE INDEX sessions_by_session_index ON sessions(CASE WHEN json_valid(data) THEN json_extract(data, '$.sessionIndex') END);
  `,
};
