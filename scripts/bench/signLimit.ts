import path from 'node:path';
import { Worker } from 'node:worker_threads';

export interface SigningLimit {
  /** RSA-SHA256 signatures per second on one core. */
  signaturesPerSecondOneCore: number;
  /** The same with one thread per core signing at once. */
  signaturesPerSecondAllCores: number;
  threads: number;
}

// What EnvelopedSigner actually signs: a canonical SignedInfo of about this size. The RSA operation
// dominates; the payload only has to be realistic for the SHA-256 pass in front of it.
const SIGNED_INFO_SIZED_PAYLOAD = '<ds:SignedInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">' + 'x'.repeat(560) + '</ds:SignedInfo>';

function signingThread(keyPem: string, seconds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'signLimitWorker.js'), {
      workerData: { keyPem, payload: SIGNED_INFO_SIZED_PAYLOAD, seconds },
    });
    worker.once('message', (rate: number) => resolve(rate));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`signing thread exited with ${code}`));
    });
  });
}

/**
 * The ceiling: how many signatures the CPU can make with the IdP's key, on one core and on all of
 * them (one worker thread each, all at once). Divided by the signatures per response, it is the
 * most AWS responses per second any implementation could sign.
 */
export async function measureSigningLimit(keyPem: string, seconds: number, threads: number): Promise<SigningLimit> {
  const oneCore = await signingThread(keyPem, seconds);
  const perThread = await Promise.all(Array.from({ length: threads }, () => signingThread(keyPem, seconds)));
  return {
    signaturesPerSecondOneCore: oneCore,
    signaturesPerSecondAllCores: perThread.reduce((a, b) => a + b, 0),
    threads,
  };
}
