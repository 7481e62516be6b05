import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ScryptOptions } from 'node:crypto';
import type { KdfReply, KdfRequest } from './kdfThread';

/**
 * How much lower than request handling the KDF threads run (Linux nice, 0–19). At 10 the scheduler
 * gives a busy request thread about 90% of a contended core: a flood of sign-in attempts can only
 * use the CPU that signed-in users leave idle, yet sign-ins still progress when /aws/sso is saturated.
 */
export const KDF_NICE = 10;

interface Job {
  request: KdfRequest;
  resolve: (key: Buffer) => void;
  reject: (error: Error) => void;
}

/**
 * Where password hashing runs: a few dedicated threads at a lower CPU priority, fed from one FIFO
 * queue. Not crypto.scrypt on libuv's pool: that runs four 32 MiB hashes at normal priority beside
 * the event loop, so a flood of wrong passwords takes most of the CPU from /aws/sso, and the pool
 * also serves file reads, which then wait behind the hashes. Here a flood only lengthens the queue:
 * attempts wait their turn, memory stays at one hash per thread, and requests that need no
 * password keep their latency.
 */
export class KdfThreads {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Job>();
  private readonly queue: Job[] = [];
  private threadCount = 0;
  private nextId = 1;

  constructor(private readonly options: { threads: number; nice: number }) {
    this.setThreadLimit(options.threads);
  }

  /** How many threads may run; lowering it stops no running thread, it only limits new ones. */
  setThreadLimit(threads: number): void {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`KDF threads must be a positive whole number, got ${threads}`);
    this.options.threads = threads;
  }

  /** Jobs waiting for a thread (not counting the ones being computed). */
  get queued(): number {
    return this.queue.length;
  }

  scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { id: this.nextId++, password, salt, keyLength, options }, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.threadCount < this.options.threads ? this.spawn() : undefined);
      if (!worker) return;
      const job = this.queue.shift()!;
      this.busy.set(worker, job);
      // A hash in progress keeps the process alive; an idle thread never does (CLI, tests).
      worker.ref();
      worker.postMessage(job.request);
    }
  }

  private spawn(): Worker {
    const worker = new Worker(path.join(__dirname, 'kdfThread.js'), {
      workerData: { nice: this.options.nice },
      // The thread only passes small messages; scrypt's 32 MiB is native memory, not V8 heap.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
    });
    this.threadCount++;
    worker.on('message', (reply: KdfReply) => {
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      worker.unref();
      this.idle.push(worker);
      if (job && job.request.id === reply.id) {
        if ('key' in reply) job.resolve(Buffer.from(reply.key));
        else job.reject(new Error(`scrypt failed: ${reply.error}`));
      }
      this.dispatch();
    });
    const lost = (error: Error) => {
      // A thread that died fails only its own job; the next job gets a new thread.
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      const index = this.idle.indexOf(worker);
      if (index >= 0) this.idle.splice(index, 1);
      this.threadCount--;
      job?.reject(error);
      this.dispatch();
    };
    worker.once('error', lost);
    worker.once('exit', (code) => {
      if (this.busy.has(worker) || this.idle.includes(worker)) lost(new Error(`KDF thread exited with code ${code}`));
    });
    return worker;
  }

  /** Stops every thread; jobs still queued fail. */
  async close(): Promise<void> {
    for (const job of this.queue.splice(0)) job.reject(new Error('KDF threads closed'));
    const workers = [...this.idle, ...this.busy.keys()];
    this.idle.length = 0;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

let sharedThreads = os.availableParallelism();
let shared: KdfThreads | undefined;

/**
 * Sets how many KDF threads this process may run. A cluster worker takes its share of the cores
 * (one each when there is a worker per core); a single process takes them all.
 */
export function configureSharedKdfThreads(threads: number): void {
  sharedThreads = threads;
  shared?.setThreadLimit(threads);
}

/** The process-wide KDF threads, started on first use. */
export function sharedKdfThreads(): KdfThreads {
  shared ??= new KdfThreads({ threads: sharedThreads, nice: KDF_NICE });
  return shared;
}
