import type Database from 'better-sqlite3';

/** at, event, actor, subject, client_ip, details: the columns of one audit_log row. */
export type AuditRow = [string, string, string, string | null, string | null, string];

interface PendingLine {
  row: AuditRow;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** How long a commit retries without blocking before it falls back to SQLite's own (blocking) busy wait. */
const QUICK_RETRY_MS = 2000;

const isBusy = (error: unknown) => String((error as { code?: unknown })?.code ?? '').startsWith('SQLITE_BUSY');

/**
 * Group commit of audit lines. The lines appended during one turn of the event loop are written in
 * one transaction just after it (setImmediate), and each caller's promise settles only once its
 * line is committed: an assertion never leaves before its audit line, yet under load one WAL append
 * and one write lock serve many requests instead of one each. (Committed, as every write here, with
 * synchronous=NORMAL: a crash of the process loses nothing committed; a power cut may lose the
 * last lines.)
 *
 * Another process (a worker, the primary's checkpoint) may hold the write lock. SQLite's busy
 * handler would then sleep 1, 2, 5 … ms with the whole event loop stopped; instead the commit is
 * tried without waiting and, when busy, tried again a millisecond later while the loop serves other
 * requests. After QUICK_RETRY_MS it waits the ordinary way (busy_timeout), so it cannot starve.
 */
export class AuditGroupCommit {
  private pending: PendingLine[] = [];
  private scheduled = false;
  /** When the current run of busy attempts began; null when the last commit went through. */
  private busySince: number | null = null;
  private readonly insertBatch: (rows: AuditRow[]) => void;
  private readonly noBusyWait: Database.Statement;
  private readonly restoreBusyWait: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly insert: Database.Statement,
    busyTimeoutMs: number,
  ) {
    this.insertBatch = db.transaction((rows: AuditRow[]) => {
      for (const row of rows) insert.run(...row);
    });
    this.noBusyWait = db.prepare(`PRAGMA busy_timeout = 0`);
    this.restoreBusyWait = db.prepare(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  }

  append(row: AuditRow): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is pending now; `blocking` waits for the lock as long as busy_timeout allows (closing). */
  flush(blocking = false): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const quick = !blocking && (this.busySince === null || Date.now() - this.busySince < QUICK_RETRY_MS);
    let committed = false;
    try {
      if (quick) this.noBusyWait.get();
      try {
        // A lone line is its own (implicit) transaction: no BEGIN and COMMIT statements to run.
        if (batch.length === 1) this.insert.run(...batch[0]!.row);
        else this.insertBatch(batch.map((line) => line.row));
        committed = true;
      } finally {
        if (quick) this.restoreBusyWait.get();
      }
    } catch (error) {
      // Committed already (only restoring the pragma failed): the lines are in; never write them twice.
      if (!committed) return this.notCommitted(batch, error, quick);
    }
    this.busySince = null;
    for (const line of batch) line.resolve();
  }

  private notCommitted(batch: PendingLine[], error: unknown, quick: boolean): void {
    if (isBusy(error)) {
      if (quick) {
        this.busySince ??= Date.now();
        this.pending = batch.concat(this.pending);
        this.scheduled = true;
        setTimeout(() => this.flush(), 1);
        return;
      }
      // Still locked after the quick retries and a full busy_timeout: fail these requests (nothing
      // is issued without its audit line) rather than wait busy_timeout again for each line.
      this.busySince = null;
      for (const line of batch) line.reject(error);
      return;
    }
    this.busySince = null;
    this.oneByOne(batch);
  }

  /** One line the database refuses must not take the others with it. */
  private oneByOne(batch: PendingLine[]): void {
    for (const line of batch) {
      try {
        this.insert.run(...line.row);
        line.resolve();
      } catch (error) {
        line.reject(error);
      }
    }
  }
}
