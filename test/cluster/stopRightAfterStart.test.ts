/**
 * A supervisor (systemd, a container runtime, the benchmark) may send SIGTERM the moment it reads
 * "Sesame listening". The process must then shut down gracefully (exit code 0), not die of the
 * signal's default action: the handlers are in place before that line is printed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freeLoopbackPort, sesameEnv, spawnSesame } from '../../scripts/lib/sesameChild';

let dir: string;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-stop-at-start-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

async function stopAsSoonAsListening(workers: number): Promise<number | null> {
  const port = await freeLoopbackPort();
  const env = sesameEnv(
    { port, dataDir: path.join(dir, `data-${workers}`), keyPath: path.join(dir, 'certs', 'key.pem'), certPath: path.join(dir, 'certs', 'cert.pem') },
    { SESAME_WORKERS: String(workers) },
  );
  const child = spawnSesame(env);
  await child.waitForOutput(/Sesame listening/);
  child.kill('SIGTERM');
  return child.exited;
}

describe('SIGTERM right after "Sesame listening"', () => {
  for (const workers of [1, 2]) {
    test(`with SESAME_WORKERS=${workers}: a graceful exit (code 0) every time, 8 starts in a row`, async () => {
      for (let i = 0; i < 8; i++) assert.equal(await stopAsSoonAsListening(workers), 0, `start ${i + 1}`);
    });
  }
});
