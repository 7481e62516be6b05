import type Database from 'better-sqlite3';

/**
 * SQLite in WAL mode copies the log back into the database file ("checkpoint") from whichever
 * connection commits when the log passes 1000 pages, and the copy ends with an fsync: milliseconds
 * during which that worker's event loop, and every request queued on it, waits. So in a cluster the
 * workers turn automatic checkpoints off (`PRAGMA wal_autocheckpoint = 0`) and the primary, which
 * serves no requests, checkpoints every `intervalMs` instead. PASSIVE never waits for readers or
 * writers: it copies what it can, and the next tick copies the rest.
 */
export function startWalCheckpoints(db: Database.Database, intervalMs = 1000): { stop(): void } {
  const timer = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy or closing: the next tick tries again.
    }
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
