import type { SqliteMigration } from './sqliteMigration';
import { coreMigration } from './migrations/0001_core';
import { mfaDirectoryMigration } from './migrations/0002_mfa_directory';
import { spRegistryMigration } from './migrations/0003_sp_registry';
import { apiTokensMigration } from './migrations/0004_api_tokens';

/**
 * Every schema migration of the SQLite store, in the order they apply. Each concern keeps its own
 * file under migrations/; never edit a shipped migration, append a new one.
 */
export const sqliteMigrations: readonly SqliteMigration[] = [
  coreMigration,
  mfaDirectoryMigration,
  spRegistryMigration,
  apiTokensMigration,
];
