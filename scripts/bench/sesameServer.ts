import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** The repository root, found from the compiled script's location (dist/scripts/bench). */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

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

export interface SesameServer {
  baseUrl: string;
  /** Milliseconds from spawning `node dist/src/main.js` to its "Sesame listening" line. */
  startupMs: number;
  primaryPid: number;
  output(): string;
  /** The primary and every process it started (the cluster workers). */
  pids(): number[];
  /** Memory of each of those processes, in bytes. */
  memory(): ProcessMemory[];
  /** SIGTERM, then waits for the exit; returns the exit code. */
  stop(): Promise<number | null>;
}

/** Children of `pid`, read from /proc (Linux): cluster workers are direct children of the primary. */
function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 is the parent pid; the command name (field 2) may contain spaces, so split after it.
      const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(afterName[1]) === pid) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

export interface ProcessMemory {
  pid: number;
  /** Resident set size: every page in RAM, shared ones (the node binary, libraries) included. */
  rssBytes: number;
  /**
   * Proportional set size: shared pages divided among the processes sharing them. Summed over the
   * primary and its workers it is the RAM the IdP really occupies; summed RSS counts the ~45 MB of
   * node's own code once per process.
   */
  pssBytes: number;
}

function memoryOf(pid: number): ProcessMemory {
  try {
    const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0) * 1024;
    return { pid, rssBytes: kb('Rss'), pssBytes: kb('Pss') };
  } catch {
    return { pid, rssBytes: 0, pssBytes: 0 };
  }
}

/** Starts the real server process on a free loopback port, in the given data directory and with the given key. */
export async function startSesameServer(options: {
  dataDir: string;
  keyPath: string;
  certPath: string;
  workers: number;
  env?: Record<string, string>;
  /** Options for node itself (cluster workers inherit them), e.g. --cpu-prof. */
  nodeArgs?: string[];
}): Promise<SesameServer> {
  const port = await freeLoopbackPort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SESAME_PORT: String(port),
    SESAME_HOST: '127.0.0.1',
    SESAME_BASE_URL: baseUrl,
    SESAME_DATA_DIR: options.dataDir,
    SESAME_SIGNING_KEY: options.keyPath,
    SESAME_SIGNING_CERT: options.certPath,
    SESAME_WORKERS: String(options.workers),
    ...options.env,
  };
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), path.join(repoRoot(), 'dist', 'src', 'main.js')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // However the benchmark ends (even by a crash), the server it started must not outlive it.
  const stopOnExit = () => child.kill('SIGTERM');
  process.once('exit', stopOnExit);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      process.removeListener('exit', stopOnExit);
      resolve(code);
    }),
  );
  const startupMs = await new Promise<number>((resolve, reject) => {
    const timeout = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Sesame did not start within 30 s:\n${output}`));
    }, 30_000);
    const onData = (data: Buffer) => {
      output += data.toString();
      if (output.includes('Sesame listening')) {
        clearTimeout(timeout);
        resolve(performance.now() - started);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timeout);
      reject(new Error(`Sesame exited with ${code} before listening:\n${output}`));
    });
  });
  const primaryPid = child.pid!;
  const pids = () => [primaryPid, ...childPids(primaryPid)];
  return {
    baseUrl,
    startupMs,
    primaryPid,
    output: () => output,
    pids,
    memory: () => pids().map(memoryOf),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
