/**
 * The login flood, in its own thread so its bookkeeping never delays the /aws/sso measurements in
 * the main thread: wrong passwords for ever-new usernames from ever-new client addresses (sent as
 * X-Forwarded-For to a Sesame that trusts the loopback proxy). That is the flood throttling cannot
 * stop, so every attempt costs Sesame one full scrypt: the worst case for the KDF.
 */
import { parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';
import { openLoginForm } from './formSignIn';
import { quantile } from './measureRate';

interface FloodJob {
  baseUrl: string;
  connections: number;
  seconds: number;
}

export interface FloodResult {
  attempts: number;
  attemptsPerSecond: number;
  /** Answers by HTTP status: 401 is a refused password, 429 a lockout, 503 a KDF queue that was full. */
  statuses: Record<string, number>;
  /** Attempts that got no answer (connection errors, timeouts): reported, not a failure of the run. */
  errors: number;
  latencyMs: { p50: number; p99: number };
}

async function flood(job: FloodJob): Promise<FloodResult> {
  const form = await openLoginForm(job.baseUrl);
  let attempt = 0;
  const statuses: Record<string, number> = {};
  // autocannon only aggregates its histograms on the main thread, so the latencies are kept here.
  const latencies: number[] = [];
  const result = await autocannon({
    url: job.baseUrl,
    connections: job.connections,
    duration: job.seconds,
    // Attempts wait in the KDF queue by design; the flood client gives up on none of them during the run.
    timeout: job.seconds + 5,
    requests: [
      {
        method: 'POST',
        path: '/login',
        setupRequest: (request) => {
          attempt++;
          const address = `10.${(attempt >> 16) & 255}.${(attempt >> 8) & 255}.${attempt & 255}`;
          return {
            ...request,
            headers: { cookie: form.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', 'x-forwarded-for': address },
            body: new URLSearchParams({ _csrf: form.csrfToken, username: `flood${attempt}`, password: `wrong password ${attempt}` }).toString(),
          };
        },
      },
    ],
    setupClient: (client) =>
      client.on('response', (status: number, _bytes: number, responseTime: number) => {
        statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
        latencies.push(responseTime);
      }),
  });
  latencies.sort((a, b) => a - b);
  return {
    attempts: latencies.length,
    attemptsPerSecond: latencies.length / job.seconds,
    statuses,
    errors: result.errors + result.timeouts,
    latencyMs: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) },
  };
}

flood(workerData as FloodJob).then(
  (result) => parentPort!.postMessage({ ok: true, result }),
  (error: Error) => parentPort!.postMessage({ ok: false, error: error.message }),
);
