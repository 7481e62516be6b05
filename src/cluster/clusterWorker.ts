import type http from 'node:http';
import { isWorkerShutdown, type WorkerListening } from './clusterMessages';

/** What a started Sesame exposes to the code that keeps it running. */
export interface RunningServer {
  server: http.Server;
  close: () => Promise<void>;
}

/** How long in-flight requests get when the worker is stopped by a signal rather than by the primary. */
const SIGNAL_GRACE_MS = 5_000;

/**
 * Runs inside a cluster worker once its server listens: tells the primary, then waits for the
 * primary's shutdown message. Shutdown is graceful: no new connections, in-flight requests finish,
 * connections still open after the grace period are cut, then the store closes and the process exits.
 */
export function serveAsClusterWorker(running: RunningServer, log: (line: string) => void): void {
  let stopping = false;
  const stop = (graceMs: number, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    log(`worker ${process.pid} stopping: finishing in-flight requests`);
    // Keep-alive clients (load balancers, benchmarks) would otherwise hold server.close() open forever.
    setTimeout(() => running.server.closeAllConnections(), graceMs).unref();
    running.close().then(
      () => process.exit(exitCode),
      (error: Error) => {
        log(`worker ${process.pid}: error while closing: ${error.message}`);
        process.exit(1);
      },
    );
  };

  process.on('message', (message: unknown) => {
    if (isWorkerShutdown(message)) stop(message.graceMs, 0);
  });
  // Ctrl-C in a terminal signals the whole process group; the primary orchestrates the shutdown, so a
  // worker that stopped on its own here would race it and look like a crash to be replaced.
  process.on('SIGINT', () => undefined);
  // A SIGTERM aimed at this worker alone (or at the whole cgroup, as systemd does): stop gracefully;
  // the primary replaces the worker unless it is shutting down itself.
  process.on('SIGTERM', () => stop(SIGNAL_GRACE_MS, 0));
  // If the primary dies without a word (SIGKILL), node:cluster itself exits the worker on 'disconnect'.

  const address = running.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const listening: WorkerListening = { type: 'sesame:listening', port };
  process.send?.(listening);
}
