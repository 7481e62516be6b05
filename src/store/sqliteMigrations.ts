import type { SqliteMigration } from './sqliteMigration';
import { coreMigration } from './migrations/0001_core';

/**
 * Every schema migration of the SQLite store, in the order they apply. Each concern keeps its own
 * file under migrations/; never edit a shipped migration, append a new one.
 */
export const sqliteMigrations: readonly SqliteMigration[] = [coreMigration];
