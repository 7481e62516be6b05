/**
 * Issue 6: audit lines are group-committed (one transaction per turn of the event loop), yet each
 * caller's promise settles only after its own line is committed, lines keep their order, and a line
 * the database refuses fails alone.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqliteStore';
import type { AuditEntry } from '../../src/store/store';

let dir: string;
let store: SqliteStore;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-audit-'));
  store = SqliteStore.open(dir);
});
after(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** What another process (another worker, the `sesame audit` command) sees: its own connection. */
function committedEvents(prefix: string): string[] {
  const db = new Database(path.join(dir, 'sesame.db'), { readonly: true });
  try {
    return (db.prepare(`SELECT event FROM audit_log WHERE event LIKE ? ORDER BY id`).all(`${prefix}%`) as Array<{ event: string }>).map((r) => r.event);
  } finally {
    db.close();
  }
}

test('200 lines appended at once are all committed, in order, and visible to another connection once each promise settles', async () => {
  const events = Array.from({ length: 200 }, (_, i) => `batch.${String(i).padStart(3, '0')}`);
  const settled: string[] = [];
  await Promise.all(
    events.map((event) =>
      store.appendAudit({ event, actor: 'tester', details: { i: event } }).then(() => {
        // Committed when the caller hears so: another process can read it already.
        if (settled.length === 0) assert.ok(committedEvents(event).includes(event));
        settled.push(event);
      }),
    ),
  );
  assert.deepEqual(committedEvents('batch.'), events);
  assert.equal(settled.length, 200);
});

test('a line the database refuses fails alone: the others of its batch are committed', async () => {
  const results = await Promise.allSettled([
    store.appendAudit({ event: 'mixed.before', actor: 'tester' }),
    store.appendAudit({ event: null, actor: 'tester' } as unknown as AuditEntry),
    store.appendAudit({ event: 'mixed.after', actor: 'tester' }),
  ]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.deepEqual(committedEvents('mixed.'), ['mixed.before', 'mixed.after']);
});

test('closing the store commits lines still waiting for their turn', async () => {
  const dir2 = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-audit-close-'));
  try {
    const second = SqliteStore.open(dir2);
    const pending = second.appendAudit({ event: 'close.pending', actor: 'tester' });
    await second.close();
    await pending;
    const db = new Database(path.join(dir2, 'sesame.db'), { readonly: true });
    assert.equal((db.prepare(`SELECT COUNT(*) AS n FROM audit_log WHERE event = 'close.pending'`).get() as { n: number }).n, 1);
    db.close();
  } finally {
    fs.rmSync(dir2, { recursive: true, force: true });
  }
});

test('while another process holds the write lock, the line waits without stopping the event loop, and is committed once the lock is free', async () => {
  const other = new Database(path.join(dir, 'sesame.db'));
  other.pragma('busy_timeout = 5000');
  other.prepare('BEGIN IMMEDIATE').run();
  let committed = false;
  const line = store.appendAudit({ event: 'locked.line', actor: 'tester' }).then(() => (committed = true));
  // SQLite's own busy handler would sleep with the loop stopped; timers must keep firing instead.
  const started = performance.now();
  let ticks = 0;
  while (performance.now() - started < 60) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    ticks++;
  }
  assert.ok(ticks >= 10, `the event loop kept running (${ticks} timer ticks in 60 ms)`);
  assert.equal(committed, false, 'not reported committed while the lock is held');
  other.prepare('COMMIT').run();
  other.close();
  await line;
  assert.deepEqual(committedEvents('locked.'), ['locked.line']);
});
