import { signInThroughForm } from './formSignIn';
import type { BenchUser } from './benchInstallation';

export interface SignInLoadResult {
  signins: number;
  seconds: number;
}

/**
 * `count` successful sign-ins through the login form, `concurrency` at a time, cycling through the
 * bench users: each one a new session row, a scrypt verification and an audit line. Any failure
 * stops the run: a benchmark of failing sign-ins would measure the wrong thing.
 */
export async function signInMany(
  baseUrl: string,
  users: BenchUser[],
  count: number,
  concurrency: number,
  onProgress: (done: number) => void = () => undefined,
): Promise<SignInLoadResult> {
  let next = 0;
  let done = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < count) {
      const user = users[next++ % users.length]!;
      await signInThroughForm(baseUrl, user.username, user.password);
      done++;
      onProgress(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return { signins: done, seconds: (performance.now() - started) / 1000 };
}
