import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

/** How long and how hard each phase of the benchmark runs. */
export interface BenchOptions {
  /** CI mode: every phase runs briefly, to prove it works; the figures mean nothing. */
  quick: boolean;
  jsonPath: string;
  /** SESAME_WORKERS of the server under test, and the threads of the all-core signing limit. */
  workers: number;
  /** Duration of each in-process measurement (limit, core, baseline). */
  cpuSeconds: number;
  /** Duration of each HTTP measurement (peak, half peak, login flood). */
  httpSeconds: number;
  /** Concurrent signed-in sessions (distinct users and cookies) hitting /aws/sso. */
  sessions: number;
  /** Connections hammering the login form during the flood phase. */
  floodConnections: number;
  /** Sign-ins through the login form before resident memory is read. */
  signins: number;
  startupRuns: number;
  /** Exit non-zero when a target is missed (full runs only; --quick never judges speed). */
  checkTargets: boolean;
  /** Where to write CPU profiles of an extra /aws/sso peak run, whose breakdown is printed; null for none. */
  profileDir: string | null;
}

export const USAGE = `usage: npm run bench -- [--quick] [--json FILE] [--workers N] [--signins N] [--check-targets] [--profile DIR]

  --quick          run every phase briefly and check that it works, not how fast (CI)
  --json FILE      where to write the results (default bench-results.json)
  --workers N      SESAME_WORKERS for the server under test (default: number of cores)
  --signins N      sign-ins before memory is read (default 10000; 40 with --quick)
  --check-targets  exit 1 when a target of issue 6 is missed
  --profile DIR    also profile the workers (node --cpu-prof) during one more peak run, write the
                   .cpuprofile files to DIR and print where the CPU time of /aws/sso goes`;

export class BenchUsageError extends Error {}

function positiveInteger(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new BenchUsageError(`--${name}: "${raw}" is not a positive whole number`);
  return Number(raw);
}

export function parseBenchOptions(argv: string[], cwd = process.cwd()): BenchOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean' },
        json: { type: 'string' },
        workers: { type: 'string' },
        signins: { type: 'string' },
        'check-targets': { type: 'boolean' },
        profile: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new BenchUsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help) throw new BenchUsageError(USAGE);
  const quick = values.quick === true;
  if (quick && values['check-targets']) throw new BenchUsageError('--check-targets needs a full run: --quick figures mean nothing');
  return {
    quick,
    jsonPath: path.resolve(cwd, (values.json as string | undefined) ?? 'bench-results.json'),
    workers: positiveInteger(values.workers as string | undefined, 'workers', os.availableParallelism()),
    cpuSeconds: quick ? 0.3 : 5,
    httpSeconds: quick ? 1.5 : 10,
    sessions: quick ? 16 : 64,
    floodConnections: quick ? 8 : 32,
    signins: positiveInteger(values.signins as string | undefined, 'signins', quick ? 40 : 10_000),
    startupRuns: quick ? 1 : 5,
    checkTargets: values['check-targets'] === true,
    profileDir: typeof values.profile === 'string' ? path.resolve(cwd, values.profile) : null,
  };
}
