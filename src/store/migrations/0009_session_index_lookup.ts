import type { SqliteMigration } from '../sqliteMigration';

/**
 * Finds every browser session of one IdP session (SessionIndex): a re-authentication (ForceAuthn,
 * step-up) continues the IdP session under a new session id, and Single Logout must end it too.
 */
export const sessionIndexLookupMigration: SqliteMigration = {
  name: '0009_session_index_lookup',
  sql: `
  CREATE INDEX sessions_by_session_index ON sessions(json_extract(data, '$.sessionIndex'));
  `,
};
