import type { SqliteMigration } from './sqliteMigration';
import { coreMigration } from './migrations/0001_core';
import { mfaDirectoryMigration } from './migrations/0002_mfa_directory';
import { spRegistryMigration } from './migrations/0003_sp_registry';
import { apiTokensMigration } from './migrations/0004_api_tokens';
import { directoryIdsMigration } from './migrations/0005_directory_ids';
import { mfaEnrolmentCodesMigration } from './migrations/0006_mfa_enrolment_codes';
import { throttleLockoutsMigration } from './migrations/0007_throttle_lockouts';
import { spSessionIndexMigration } from './migrations/0008_sp_session_index';
import { sessionIndexLookupMigration } from './migrations/0009_session_index_lookup';

/**
 * Every schema migration of the SQLite store, in the order they apply. Each concern keeps its own
 * file under migrations/; never edit a shipped migration, append a new one.
 */
export const sqliteMigrations: readonly SqliteMigration[] = [
  coreMigration,
  mfaDirectoryMigration,
  spRegistryMigration,
  apiTokensMigration,
  directoryIdsMigration,
  mfaEnrolmentCodesMigration,
  throttleLockoutsMigration,
  spSessionIndexMigration,
  sessionIndexLookupMigration,
];
