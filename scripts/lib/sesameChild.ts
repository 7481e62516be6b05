/**
 * The real server (`node dist/src/main.js`) as a child process, for everything that drives it from
 * outside: the end-to-end tests, the cluster tests and the benchmark. Linux only where it reads /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** The repository root, found from the compiled file's location (somewhere under dist/). */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

/** A free loopback port (taken from the kernel, then released for the server to bind). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Direct children of `pid` (cluster workers of a primary), from /proc/<n>/stat, sorted. */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 is the parent pid; the command name (field 2) may contain spaces, so split after it.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children.sort((a, b) => a - b);
}

/** Where an instance listens and keeps its state. */
export interface SesameLocation {
  port: number;
  dataDir: string;
  keyPath: string;
  certPath: string;
}

/** The environment of an instance on 127.0.0.1, and nothing of this process's other than PATH and HOME. */
export function sesameEnv(location: SesameLocation, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SESAME_PORT: String(location.port),
    SESAME_HOST: '127.0.0.1',
    SESAME_BASE_URL: `http://127.0.0.1:${location.port}`,
    SESAME_DATA_DIR: location.dataDir,
    SESAME_SIGNING_KEY: location.keyPath,
    SESAME_SIGNING_CERT: location.certPath,
    ...extra,
  };
}

export interface SesameChild {
  pid: number;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves once the output matches; rejects (with the output so far) when it exits first or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** The exit code (null for a signal). */
  exited: Promise<number | null>;
  /** The signal that ended it, once it has exited that way. */
  exitSignal(): NodeJS.Signals | null;
  hasExited(): boolean;
  /** SIGTERM unless it already exited, then its exit code. */
  stop(): Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/** Spawns `node [nodeArgs] dist/src/main.js`; it is killed if this process exits first. */
export function spawnSesame(env: NodeJS.ProcessEnv, nodeArgs: string[] = []): SesameChild {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, path.join(repoRoot(), 'dist', 'src', 'main.js')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let hasExited = false;
  let exitSignal: NodeJS.Signals | null = null;
  const listeners = new Set<() => void>();
  const onData = (data: Buffer) => {
    output += data.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  // However the test or benchmark ends (even by a crash), the server it started must not outlive it.
  const stopOnExit = () => child.kill('SIGTERM');
  process.once('exit', stopOnExit);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      hasExited = true;
      exitSignal = signal;
      process.removeListener('exit', stopOnExit);
      for (const listener of listeners) listener();
      resolve(code);
    }),
  );

  const waitForOutput = (pattern: RegExp, timeoutMs = 20_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (match) {
          cleanup();
          resolve(match);
        } else if (hasExited) {
          cleanup();
          reject(new Error(`Sesame exited with ${child.exitCode} before printing ${pattern}:\n${output}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`Sesame did not print ${pattern} within ${timeoutMs} ms:\n${output}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });

  return {
    pid: child.pid!,
    output: () => output,
    waitForOutput,
    exited,
    hasExited: () => hasExited,
    exitSignal: () => exitSignal,
    stop: async () => {
      if (!hasExited) child.kill('SIGTERM');
      return exited;
    },
    kill: (signal) => child.kill(signal),
  };
}
