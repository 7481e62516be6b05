import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './repoRoot';

/** A free loopback port (taken from the kernel, then released for the server to bind). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

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
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SESAME_PORT: String(port),
    SESAME_HOST: '127.0.0.1',
    SESAME_BASE_URL: `http://127.0.0.1:${port}`,
    SESAME_DATA_DIR: path.join(dir, 'data'),
    SESAME_SIGNING_KEY: path.join(dir, 'certs', 'signing-key.pem'),
    SESAME_SIGNING_CERT: path.join(dir, 'certs', 'signing-cert.pem'),
    ...extraEnv,
  };
  const child: ChildProcess = spawn(process.execPath, [path.join(repoRoot(), 'dist', 'src', 'main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 20_000;
  while (!output.includes('Sesame listening')) {
    if (child.exitCode !== null) throw new Error(`sesame exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sesame did not start in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    dir,
    env,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
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
