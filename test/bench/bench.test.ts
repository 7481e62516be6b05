/**
 * Issue 6, proof: `npm run bench -- --quick` runs every phase of the benchmark against the real
 * server and exits 0 with a complete table and JSON; it checks that the benchmark works, not how fast.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/repoRoot';

const BENCH = () => path.join(repoRoot(), 'dist', 'scripts', 'bench.js');

function runBench(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BENCH(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

test('npm run bench -- --quick measures every phase and writes the JSON', { timeout: 240_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-bench-test-'));
  try {
    const jsonPath = path.join(dir, 'results.json');
    const run = await runBench(['--quick', '--json', jsonPath]);
    assert.equal(run.status, 0, `bench failed:\n${run.stdout}\n${run.stderr}`);

    for (const row of ['limit, 1 core', 'limit, 2 cores', 'core (ConsoleSso.issue)', 'baseline (samlify 2.13.1)', 'http peak', 'half peak', 'under login flood', 'login flood', 'memory after 40 sign-ins', 'start-up']) {
      if (row === 'limit, 2 cores' && os.availableParallelism() !== 2) continue;
      assert.ok(run.stdout.includes(row), `table row "${row}" in:\n${run.stdout}`);
    }
    const results = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
    assert.equal(results.mode, 'quick');
    assert.deepEqual(results.invalid, []);
    assert.deepEqual(results.baseline.differences, []);
    assert.equal(results.targets.length, 7);
    assert.equal(results.http.peak.failed, 0);
    assert.equal(results.memory.signins, 40);
    assert.equal(results.http.workers, os.availableParallelism());
    for (const status of Object.keys(results.loginFlood.flood.statuses)) assert.ok(['401', '429', '503'].includes(status), status);
    assert.ok(results.memory.proportionalBytesAfter > 0 && results.memory.proportionalBytesAfter <= results.memory.residentBytesAfter);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bench refuses options it does not know, and --check-targets with --quick', () => {
  for (const args of [['--quick', '--check-targets'], ['--fast'], ['--signins', 'many']]) {
    const run = spawnSync(process.execPath, [BENCH(), ...args], { encoding: 'utf8' });
    assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, /--check-targets needs a full run|Unknown option|not a positive whole number/);
  }
});
