import type { SqliteMigration } from '../sqliteMigration';

/**
 * Security review, finding 2: a directory link is pinned to the entry's immutable identifier
 * (entryUUID, objectGUID, or the DN when the server has neither), recorded at first provisioning.
 * A later sign-in whose entry has another identifier is refused instead of silently re-pointing the
 * link. NULL with a DN: a link made before this migration (the DN is compared, then the id recorded);
 * NULL with an empty DN: an admin unlinked the account and the next sign-in links it afresh.
 * One Sesame user per directory entry.
 */
export const directoryIdsMigration: SqliteMigration = {
  name: '0005_directory_ids',
  sql: `
  ALTER TABLE directory_accounts ADD COLUMN directory_id TEXT;
  CREATE UNIQUE INDEX directory_accounts_by_directory_id ON directory_accounts(directory_id) WHERE directory_id IS NOT NULL;
  `,
};
