/**
 * Issue 6: password hashing runs on dedicated KDF threads below the priority of request handling,
 * a bounded number at a time, never on the event loop, and never keeps a process alive.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { KDF_NICE, KdfThreads } from '../../src/auth/kdfThreads';
import { repoRoot } from '../helpers/repoRoot';

const SCRYPT_2_15 = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const pools: KdfThreads[] = [];
after(async () => {
  for (const pool of pools) await pool.close();
});

function pool(threads: number): KdfThreads {
  const created = new KdfThreads({ threads, nice: KDF_NICE });
  pools.push(created);
  return created;
}

/** Nice values of this process's threads, from /proc (Linux keeps one per thread). */
function threadNiceValues(): number[] {
  return fs.readdirSync('/proc/self/task').map((tid) => {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

test('scrypt on the KDF threads gives the RFC 7914 §12 test vector', async () => {
  const key = await pool(1).scrypt('password', Buffer.from('NaCl'), 64, { N: 1024, r: 8, p: 16 });
  assert.equal(
    key.toString('hex'),
    'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
  );
});

test('at most `threads` hashes run at once; the rest wait in order', async () => {
  const kdf = pool(1);
  const finished: number[] = [];
  const jobs = [0, 1, 2].map((i) => kdf.scrypt(`password ${i}`, Buffer.from('salt'), 32, SCRYPT_2_15).then(() => finished.push(i)));
  assert.equal(kdf.queued, 2, 'one hash computing, two queued');
  await Promise.all(jobs);
  assert.deepEqual(finished, [0, 1, 2]);
  assert.equal(kdf.queued, 0);
});

test('the KDF threads run at a lower CPU priority than the rest of the process (Linux)', { skip: process.platform !== 'linux' }, async () => {
  const before = threadNiceValues().filter((nice) => nice === KDF_NICE).length;
  const kdf = pool(2);
  await Promise.all([kdf.scrypt('a', Buffer.from('salt'), 32, SCRYPT_2_15), kdf.scrypt('b', Buffer.from('salt'), 32, SCRYPT_2_15)]);
  const nice = threadNiceValues();
  assert.equal(nice.filter((n) => n === KDF_NICE).length - before, 2, `two KDF threads at nice ${KDF_NICE}: ${nice.join(' ')}`);
  assert.equal(nice[0], 0, 'the main thread (request handling) keeps normal priority');
});

test('the event loop keeps running while a hash is computed', async () => {
  const kdf = pool(1);
  let hashed = false;
  const hashing = kdf.scrypt('password', Buffer.from('salt'), 32, SCRYPT_2_15).then(() => (hashed = true));
  const loopTurnedDuringHash = await new Promise<boolean>((resolve) => setImmediate(() => resolve(!hashed)));
  await hashing;
  assert.ok(loopTurnedDuringHash, 'a setImmediate callback ran before the hash finished');
});

test('a failed hash rejects with the reason, and the threads keep working', async () => {
  const kdf = pool(1);
  await assert.rejects(kdf.scrypt('password', Buffer.from('salt'), 32, { N: 3, r: 8, p: 1 }), /scrypt failed: .*N/i);
  const key = await kdf.scrypt('password', Buffer.from('NaCl'), 64, { N: 1024, r: 8, p: 16 });
  assert.equal(key.length, 64);
});

test('idle KDF threads never keep a process alive (the sesame command exits after hashing)', () => {
  const passwordHash = path.join(repoRoot(), 'dist', 'src', 'auth', 'passwordHash.js');
  const script = `require(${JSON.stringify(passwordHash)}).hashPassword('a long enough password').then((h) => console.log(h.split('$')[0]))`;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(result.status, 0, `exited by itself: ${result.stderr}`);
  assert.equal(result.stdout.trim(), 'scrypt');
});
