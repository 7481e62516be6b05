import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { quantile } from './measureRate';
import { BrowserLikeClient } from './openLoopClient';

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface PeakResult {
  connections: number;
  /** Successful /aws/sso responses per second, over the whole run. */
  requestsPerSecond: number;
  /** autocannon's histogram: whole milliseconds. */
  latencyMs: { p50: number; p99: number };
  ok: number;
  failed: number;
  /**
   * CPU time per successful request: the Sesame processes' (user + system, from /proc, kernel TCP
   * work included) and the load generator's. Unlike rates, these barely move when something else
   * competes for the CPU, so they show where the time goes even on a busy machine.
   */
  cpuMsPerRequest: { server: number; loadGenerator: number };
}

/** User + system CPU time of a process so far, in milliseconds (Linux clock ticks are 10 ms). */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/**
 * Closed loop, autocannon: one connection per signed-in session, each sending its next request as
 * soon as the previous answer arrives. The rate this sustains is the server's peak.
 */
export async function measurePeak(baseUrl: string, cookies: string[], seconds: number, serverPids: () => number[]): Promise<PeakResult> {
  let nextClient = 0;
  const pids = serverPids();
  const serverCpuBefore = pids.map(processCpuMs);
  const clientCpuBefore = process.cpuUsage();
  const result = await autocannon({
    url: `${baseUrl}/aws/sso`,
    connections: cookies.length,
    duration: seconds,
    headers: { accept: 'text/html' },
    // Each connection is one user's browser: its own session cookie.
    setupClient: (client) => client.setHeaders({ accept: 'text/html', cookie: cookies[nextClient++ % cookies.length]! }),
    verifyBody: (body) => typeof body === 'string' && body.includes('name="SAMLResponse"'),
  });
  const serverCpu = pids.reduce((sum, pid, i) => sum + processCpuMs(pid) - serverCpuBefore[i]!, 0);
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const failed = result.non2xx + result.errors + result.timeouts + result.mismatches;
  const ok = result['2xx'] - result.mismatches;
  return {
    connections: cookies.length,
    requestsPerSecond: (result['2xx'] - result.mismatches) / result.duration,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
    ok,
    failed,
    cpuMsPerRequest: { server: serverCpu / Math.max(1, ok), loadGenerator: (clientCpu.user + clientCpu.system) / 1000 / Math.max(1, ok) },
  };
}

export interface OpenLoopResult {
  targetRate: number;
  achievedRate: number;
  sent: number;
  ok: number;
  failed: number;
  /** From each request's scheduled start to its last byte, so a stalled server cannot hide (no coordinated omission). */
  latencyMs: LatencySummary;
}

/**
 * Open loop at a fixed rate, spread evenly over the signed-in sessions: requests leave on schedule
 * whether or not earlier ones came back, like independent users, each session from its own
 * browser-like client. autocannon's own rate limit sends each connection's quota in a burst at the
 * start of every second, which measures bursts, not load.
 */
export async function measureAtRate(baseUrl: string, cookies: string[], rate: number, seconds: number): Promise<OpenLoopResult> {
  const url = new URL(`${baseUrl}/aws/sso`);
  const marker = Buffer.from('name="SAMLResponse"');
  const clients = cookies.map((cookie) => new BrowserLikeClient(url.hostname, Number(url.port), url.pathname, { accept: 'text/html', cookie }, marker));
  const total = Math.max(1, Math.round(rate * seconds));
  const intervalMs = 1000 / rate;
  const latencies: number[] = [];
  let sent = 0;
  let ok = 0;
  let failed = 0;
  const start = performance.now() + 5;

  await new Promise<void>((resolve) => {
    let finished = 0;
    const send = (index: number) => {
      const scheduledAt = start + index * intervalMs;
      clients[index % clients.length]!.get((success) => {
        latencies.push(performance.now() - scheduledAt);
        if (success) ok++;
        else failed++;
        if (++finished === total) resolve();
      });
    };
    const pump = () => {
      const now = performance.now();
      while (sent < total && start + sent * intervalMs <= now) send(sent++);
      if (sent < total) setTimeout(pump, Math.max(0, Math.min(1, start + sent * intervalMs - now)));
    };
    setTimeout(pump, 5);
  });
  const elapsed = (performance.now() - start) / 1000;
  for (const client of clients) client.close();
  latencies.sort((a, b) => a - b);
  return {
    targetRate: rate,
    achievedRate: ok / elapsed,
    sent,
    ok,
    failed,
    latencyMs: { p50: quantile(latencies, 0.5), p90: quantile(latencies, 0.9), p99: quantile(latencies, 0.99), max: latencies[latencies.length - 1]! },
  };
}
