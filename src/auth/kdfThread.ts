/**
 * One KDF thread (see kdfThreads.ts): lowers its own CPU priority, then computes scrypt for each
 * request it is sent, synchronously, since computing is all this thread is for.
 */
import { scryptSync, type ScryptOptions } from 'node:crypto';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

export interface KdfRequest {
  id: number;
  password: string;
  salt: Uint8Array;
  keyLength: number;
  options: ScryptOptions;
}

export type KdfReply = { id: number; key: Uint8Array } | { id: number; error: string };

const { nice } = workerData as { nice: number };
// Linux keeps a nice value per thread, so this lowers only this thread. Elsewhere setpriority()
// would lower the whole process, request handling included: there the thread keeps normal priority.
if (process.platform === 'linux' && nice > 0) {
  try {
    os.setPriority(0, nice);
  } catch {
    // Not permitted (a seccomp policy, say): scrypt still runs here, only at normal priority.
  }
}

parentPort!.on('message', (request: KdfRequest) => {
  let reply: KdfReply;
  try {
    // A fresh array: scryptSync's Buffer may be a slice of a shared pool, which must not be copied whole.
    reply = { id: request.id, key: Uint8Array.from(scryptSync(request.password, request.salt, request.keyLength, request.options)) };
  } catch (error) {
    reply = { id: request.id, error: (error as Error).message };
  }
  parentPort!.postMessage(reply);
});
