/**
 * One thread of the signing-limit measurement: raw RSA-SHA256 signatures with the IdP's key through
 * crypto.sign, nothing else. Run by signLimit.ts in worker_threads so every core signs at once.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { syncRate } from './measureRate';

interface SignLimitJob {
  keyPem: string;
  payload: string;
  seconds: number;
}

const job = workerData as SignLimitJob;
const key = createPrivateKey(job.keyPem);
const payload = Buffer.from(job.payload, 'utf8');
parentPort!.postMessage(syncRate(() => sign('sha256', payload, key), job.seconds));
