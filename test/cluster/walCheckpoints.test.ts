/**
 * Issue 6: in a cluster the workers never checkpoint the SQLite WAL themselves (the fsync would
 * stall their requests); the primary's checkpointer copies the log into the database instead.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { SqliteStore } from '../../src/store/sqliteStore';
import { startWalCheckpoints } from '../../src/cluster/walCheckpoints';

test("a worker's writes stay in the WAL until the primary's checkpointer copies them into the database", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-wal-'));
  const worker = SqliteStore.open(dir);
  const primary = SqliteStore.open(dir);
  try {
    worker.db.pragma('wal_autocheckpoint = 0');
    const databaseFile = path.join(dir, 'sesame.db');
    const sizeBefore = fs.statSync(databaseFile).size;
    // Well past the 1000-page automatic checkpoint a default connection would have made.
    for (let i = 0; i < 3000; i++) {
      await worker.appendAudit({ event: 'bench.write', actor: 'test', details: { i, padding: 'x'.repeat(1500) } });
    }
    assert.equal(fs.statSync(databaseFile).size, sizeBefore, 'the worker did not checkpoint');
    assert.ok(fs.statSync(`${databaseFile}-wal`).size > 1000 * 4096, 'the writes are in the WAL');

    const checkpoints = startWalCheckpoints(primary.db, 20);
    const deadline = Date.now() + 10_000;
    while (fs.statSync(databaseFile).size === sizeBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    checkpoints.stop();
    assert.ok(fs.statSync(databaseFile).size > sizeBefore + 1000 * 4096, 'the checkpointer copied the pages into the database');
    assert.equal((await primary.listAudit({ event: 'bench.write', limit: 5000 })).length, 3000);
  } finally {
    await worker.close();
    await primary.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
