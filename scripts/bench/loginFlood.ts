import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FloodResult } from './loginFloodWorker';

export type { FloodResult } from './loginFloodWorker';

/** Starts the login flood in a worker thread; the promise settles when it has run for `seconds`. */
export function startLoginFlood(baseUrl: string, connections: number, seconds: number): Promise<FloodResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'loginFloodWorker.js'), { workerData: { baseUrl, connections, seconds } });
    worker.once('message', (message: { ok: true; result: FloodResult } | { ok: false; error: string }) => {
      if (message.ok) resolve(message.result);
      else reject(new Error(`login flood failed: ${message.error}`));
    });
    worker.once('error', reject);
  });
}
