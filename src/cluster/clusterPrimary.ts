import cluster, { type Worker } from 'node:cluster';
import { isWorkerListening, type WorkerShutdown } from './clusterMessages';

/** What the primary did once before forking, and what it still owns while workers serve. */
export interface PreparedInstallation {
  /** Called once every first-generation worker listens: print the address and, on a fresh install, the setup link. */
  announce(port: number): void;
  /** Releases what the primary holds (its store connection, housekeeping timers). */
  close(): Promise<void>;
}

export interface ClusterPrimaryOptions {
  workers: number;
  /** Migrations, key generation, installation secrets, setup token: done here, once, before any fork. */
  prepare(): Promise<PreparedInstallation>;
  log(line: string): void;
  /** Extra environment for the workers. */
  workerEnv?: Record<string, string>;
  /** How long in-flight requests may run after SIGTERM/SIGINT before their connections are cut. */
  shutdownGraceMs?: number;
  /** More unexpected worker exits than this within the window, and the primary gives up. */
  crashLimit?: { exits: number; windowMs: number };
}

/** Starting the workers failed; the message says why (the worker printed the details itself). */
export class ClusterStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterStartError';
  }
}

const describeExit = (code: number | null, signal: string | null) => (signal ? `signal ${signal}` : `code ${code}`);

/**
 * Keeps `workers` HTTP worker processes alive: forks them, waits until each listens, replaces one
 * that dies (up to a crash-loop limit), and stops them all gracefully. Workers share nothing through
 * the primary: sessions, throttling and audit live in the store.
 */
export class WorkerSupervisor {
  private readonly live = new Set<Worker>();
  private readonly listening = new Set<Worker>();
  private readonly recentExits: number[] = [];
  private stopping = false;
  private onListening?: (worker: Worker, port: number) => void;
  private onExit?: (worker: Worker, code: number | null, signal: string | null) => void;
  /** Called when the supervisor gives up on crash-looping workers; the primary then stops with status 1. */
  gaveUp: (() => void) | undefined;

  constructor(private readonly options: ClusterPrimaryOptions) {}

  private fork(): Worker {
    const worker = cluster.fork(this.options.workerEnv ?? {});
    this.live.add(worker);
    worker.on('message', (message: unknown) => {
      if (!isWorkerListening(message)) return;
      this.listening.add(worker);
      this.onListening?.(worker, message.port);
    });
    return worker;
  }

  /** Forks every worker; resolves with the port once all listen, rejects if one exits first. */
  start(): Promise<number> {
    const { workers, log } = this.options;
    return new Promise<number>((resolve, reject) => {
      let started = false;
      this.onListening = (worker, port) => {
        if (started) {
          log(`worker ${worker.process.pid} is listening`);
          return;
        }
        if (this.listening.size === workers) {
          started = true;
          resolve(port);
        }
      };
      this.onExit = (worker, code, signal) => {
        if (!started) {
          // One worker failing to start (port taken, bad key file) will fail the same way in every other.
          reject(new ClusterStartError(`worker ${worker.process.pid} exited (${describeExit(code, signal)}) before it was listening`));
          return;
        }
        this.replace(worker, code, signal);
      };
      cluster.on('exit', (worker, code, signal) => {
        this.live.delete(worker);
        this.listening.delete(worker);
        if (!this.stopping) this.onExit?.(worker, code, signal);
      });
      for (let i = 0; i < workers; i++) this.fork();
    });
  }

  private replace(dead: Worker, code: number | null, signal: string | null): void {
    const { exits, windowMs } = this.options.crashLimit ?? { exits: Math.max(5, 2 * this.options.workers), windowMs: 60_000 };
    const now = Date.now();
    this.recentExits.push(now);
    while (this.recentExits.length > 0 && this.recentExits[0]! < now - windowMs) this.recentExits.shift();
    if (this.recentExits.length > exits) {
      this.options.log(
        `worker ${dead.process.pid} exited (${describeExit(code, signal)}); ${this.recentExits.length} workers exited within ` +
          `${Math.round(windowMs / 1000)} s, so Sesame is crash-looping: giving up (see the errors above)`,
      );
      this.gaveUp?.();
      return;
    }
    this.options.log(`worker ${dead.process.pid} exited (${describeExit(code, signal)}); starting a replacement`);
    this.fork();
  }

  /** Asks every worker to finish in-flight requests and exit; kills the ones still running after the grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    const graceMs = this.options.shutdownGraceMs ?? 10_000;
    const exited = [...this.live].map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          worker.process.once('exit', () => resolve());
          const shutdown: WorkerShutdown = { type: 'sesame:shutdown', graceMs };
          if (worker.isConnected()) worker.send(shutdown);
          else worker.process.kill('SIGTERM');
        }),
    );
    // Workers cut their own connections at graceMs; this is the backstop for one that hangs anyway.
    const backstop = setTimeout(() => {
      for (const worker of this.live) {
        this.options.log(`worker ${worker.process.pid} did not stop in time: killing it`);
        worker.process.kill('SIGKILL');
      }
    }, graceMs + 5_000);
    await Promise.all(exited);
    clearTimeout(backstop);
  }
}

/**
 * The cluster primary: prepares the installation once, forks the workers, announces the address
 * when all of them listen, and on SIGTERM/SIGINT stops them gracefully before exiting.
 * Resolves once the workers listen; the process then lives until it is signalled.
 */
export async function runClusterPrimary(options: ClusterPrimaryOptions): Promise<void> {
  // Handlers first: a SIGTERM without one kills the primary on the spot, and a supervisor may send
  // it at any moment, even the one it reads "Sesame listening". One that arrives while starting is
  // kept, and acted on once the workers are up.
  let requested: string | null = null;
  let stop: ((reason: string, exitCode: number) => void) | null = null;
  const onSignal = (reason: string) => (stop ? stop(reason, 0) : (requested ??= reason));
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));

  const prepared = await options.prepare();
  const supervisor = new WorkerSupervisor(options);
  options.log(`starting ${options.workers} worker processes`);
  let port: number;
  try {
    port = await supervisor.start();
  } catch (error) {
    await supervisor.stop();
    await prepared.close();
    throw error;
  }

  let stopping = false;
  stop = (reason: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    options.log(`shutting down (${reason}): letting the workers finish in-flight requests`);
    void supervisor
      .stop()
      .then(() => prepared.close())
      .then(
        () => process.exit(exitCode),
        () => process.exit(1),
      );
  };
  supervisor.gaveUp = () => stop?.('workers crash-looping', 1);
  if (requested !== null) return stop(requested, 0);
  prepared.announce(port);
}
