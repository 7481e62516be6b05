import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeLoopbackPort, repoRoot, sesameEnv, spawnSesame } from '../../scripts/lib/sesameChild';

/** A free loopback port (taken from the kernel, then released for the server to bind). */
export const freePort = freeLoopbackPort;

export interface SesameInstance {
  baseUrl: string;
  dir: string;
  env: NodeJS.ProcessEnv;
  /** Everything the server printed so far. */
  output: () => string;
  stop: () => Promise<void>;
}

/** A fresh Sesame (own data dir and keys) started as a real process: node dist/src/main.js. */
export async function startSesame(extraEnv: Record<string, string> = {}): Promise<SesameInstance> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-e2e-'));
  const port = await freePort();
  const env = sesameEnv(
    { port, dataDir: path.join(dir, 'data'), keyPath: path.join(dir, 'certs', 'signing-key.pem'), certPath: path.join(dir, 'certs', 'signing-cert.pem') },
    extraEnv,
  );
  const child = spawnSesame(env);
  await child.waitForOutput(/Sesame listening/).catch((error: Error) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    dir,
    env,
    output: child.output,
    stop: async () => {
      await child.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `sesame` admin command (bin/sesame.js) against an instance's data directory. */
export function sesameCli(instance: { env: NodeJS.ProcessEnv }, args: string[], stdin?: string): CliResult {
  const result = spawnSync(process.execPath, [path.join(repoRoot(), 'bin', 'sesame.js'), ...args], {
    env: instance.env,
    input: stdin ?? '',
    encoding: 'utf8',
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** `sesame …` that must succeed: its stdout, or a failed assertion quoting the command and its stderr. */
export function sesameCliOk(instance: { env: NodeJS.ProcessEnv }, args: string[], stdin?: string): string {
  const result = sesameCli(instance, args, stdin);
  assert.equal(result.status, 0, `sesame ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}
