/**
 * The IPC vocabulary between the cluster primary and its HTTP workers. Kept tiny on purpose: the
 * workers share everything else (sessions, throttling, audit) through the store, not through the
 * primary, so losing the primary's memory never loses state.
 */

/** Worker → primary: the HTTP server is listening (cluster hands every worker the same port). */
export interface WorkerListening {
  type: 'sesame:listening';
  port: number;
}

/** Primary → worker: stop accepting, finish in-flight requests, close the store, exit 0. */
export interface WorkerShutdown {
  type: 'sesame:shutdown';
  /** How long in-flight requests may take before their connections are cut. */
  graceMs: number;
}

function hasType(message: unknown, type: string): message is { type: string } {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}

export function isWorkerListening(message: unknown): message is WorkerListening {
  return hasType(message, 'sesame:listening') && Number.isInteger((message as WorkerListening).port);
}

export function isWorkerShutdown(message: unknown): message is WorkerShutdown {
  return hasType(message, 'sesame:shutdown') && Number.isFinite((message as WorkerShutdown).graceMs);
}
