/** Operations per second of a synchronous function, after a short warm-up (JIT, caches). */
export function syncRate(operation: () => unknown, seconds: number): number {
  const warmUntil = performance.now() + Math.min(200, seconds * 250);
  while (performance.now() < warmUntil) operation();
  let count = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    operation();
    count++;
    now = performance.now();
  }
  return count / ((now - start) / 1000);
}

/** Operations per second of an asynchronous function awaited one at a time (what one worker does). */
export async function asyncRate(operation: () => Promise<unknown>, seconds: number): Promise<number> {
  const warmUntil = performance.now() + Math.min(200, seconds * 250);
  while (performance.now() < warmUntil) await operation();
  let count = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    await operation();
    count++;
    now = performance.now();
  }
  return count / ((now - start) / 1000);
}

/** The q-quantile (0–1) of samples, nearest-rank; NaN when there are none. */
export function quantile(sortedAscending: readonly number[], q: number): number {
  if (sortedAscending.length === 0) return Number.NaN;
  const rank = Math.min(sortedAscending.length - 1, Math.max(0, Math.ceil(q * sortedAscending.length) - 1));
  return sortedAscending[rank]!;
}
