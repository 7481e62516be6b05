import type { SqliteMigration } from '../sqliteMigration';

/**
 * Security review, finding 7: how many times in a row a throttle key was locked, so a policy can make
 * each consecutive lock longer (the one-time-code guess limit doubles its lock up to 24 hours). A
 * success deletes the row, which starts the count again.
 */
export const throttleLockoutsMigration: SqliteMigration = {
  name: '0007_throttle_lockouts',
  sql: `
  ALTER TABLE login_throttle ADD COLUMN lockouts INTEGER NOT NULL DEFAULT 0;
  `,
};
