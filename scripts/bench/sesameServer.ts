import fs from 'node:fs';
import { childPids, freeLoopbackPort, sesameEnv, spawnSesame } from '../lib/sesameChild';

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
  /** The signal that ended it, when one did (stop() then returns null). */
  exitSignal(): NodeJS.Signals | null;
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
  const env = sesameEnv({ port, ...options }, { SESAME_WORKERS: String(options.workers), ...options.env });
  const started = performance.now();
  const child = spawnSesame(env, options.nodeArgs);
  await child.waitForOutput(/Sesame listening/, 30_000).catch((error: Error) => {
    child.kill('SIGKILL');
    throw error;
  });
  const startupMs = performance.now() - started;
  const pids = () => [child.pid, ...childPids(child.pid)];
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    startupMs,
    primaryPid: child.pid,
    output: child.output,
    pids,
    memory: () => pids().map(memoryOf),
    stop: child.stop,
    exitSignal: child.exitSignal,
  };
}
