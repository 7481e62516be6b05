import type { FloodResult } from './loginFlood';
import type { OpenLoopResult, PeakResult } from './ssoLoad';
import type { ProcessMemory } from './sesameServer';

/** Everything one run of `npm run bench` measured; written as JSON and printed as a table. */
export interface BenchResults {
  mode: 'quick' | 'full';
  startedAt: string;
  machine: {
    cpuModel: string;
    cores: number;
    node: string;
    /** 1-minute load average before and after: anything else running skews every figure. */
    loadAverageBefore: number;
    loadAverageAfter: number;
  };
  limit: {
    signaturesPerResponse: number;
    threads: number;
    signaturesPerSecondOneCore: number;
    signaturesPerSecondAllCores: number;
    responsesPerSecondOneCore: number;
    responsesPerSecondAllCores: number;
  };
  core: {
    /** ConsoleSso.issue (SQLite grant lookup, mappers, build, 2 signatures, audit row), one core. */
    responsesPerSecond: number;
    /** Mappers + buildSignedResponse + base64 only, one core. */
    buildOnlyResponsesPerSecond: number;
  };
  baseline: {
    library: string;
    responsesPerSecond: number;
    /** Empty when samlify's response reads exactly like Sesame's (values, algorithms, verified signatures). */
    differences: string[];
  };
  http: {
    workers: number;
    sessions: number;
    peak: PeakResult;
    halfPeak: OpenLoopResult;
  };
  loginFlood: {
    sso: OpenLoopResult;
    flood: FloodResult;
    /** Sign-ins of a real user with the right password while the flood runs. */
    legitimateSignIns: { attempted: number; succeeded: number; latencyMs: number[] };
  };
  memory: {
    signins: number;
    seconds: number;
    /** Whole IdP, the primary and every worker: RSS summed (shared pages counted once per process). */
    residentBytesAfter: number;
    /** The same, PSS summed: shared pages counted once. What the IdP really occupies; the target is judged on it. */
    proportionalBytesAfter: number;
    /** Highest RSS sum seen while signing in (scrypt needs 32 MiB per hash in flight). */
    residentBytesPeak: number;
    perProcessAfter: ProcessMemory[];
  };
  startup: {
    runs: number[];
    medianMs: number;
  };
  /** The responses behind the figures, checked: both signatures verify, AWS attributes present. */
  responseProblems: string[];
  /** With --profile: where the workers' CPU time went during an extra peak run of /aws/sso. */
  profile?: { dir: string; shares: Array<{ category: string; share: number }> };
}

export interface TargetCheck {
  id: string;
  description: string;
  value: number;
  /** What the value must be at most/at least. */
  bound: number;
  comparison: '>=' | '<=';
  met: boolean;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);

export function derivedRatios(r: BenchResults) {
  return {
    coreToLimit: ratio(r.core.responsesPerSecond, r.limit.responsesPerSecondOneCore),
    buildOnlyToLimit: ratio(r.core.buildOnlyResponsesPerSecond, r.limit.responsesPerSecondOneCore),
    coreToBaseline: ratio(r.core.responsesPerSecond, r.baseline.responsesPerSecond),
    httpToLimit: ratio(r.http.peak.requestsPerSecond, r.limit.responsesPerSecondAllCores),
    floodP99ToQuietP99: ratio(r.loginFlood.sso.latencyMs.p99, r.http.halfPeak.latencyMs.p99),
  };
}

/** The targets of issue 6, each with the figure from this run. */
export function checkTargets(r: BenchResults): TargetCheck[] {
  const d = derivedRatios(r);
  const check = (id: string, description: string, value: number, comparison: '>=' | '<=', bound: number): TargetCheck => ({
    id,
    description,
    value,
    bound,
    comparison,
    met: Number.isFinite(value) && (comparison === '>=' ? value >= bound : value <= bound),
  });
  return [
    check('core-vs-limit', 'core ≥ 0.6 × limit (one core)', d.coreToLimit, '>=', 0.6),
    check('core-vs-samlify', 'core ≥ 2 × samlify baseline', d.coreToBaseline, '>=', 2),
    check('http-vs-limit', 'http peak ≥ 0.5 × limit (all cores)', d.httpToLimit, '>=', 0.5),
    check('http-p99-half-peak', 'p99 at half of peak ≤ 15 ms', r.http.halfPeak.latencyMs.p99, '<=', 15),
    check('flood-p99', 'p99 under login flood ≤ 3 × p99 without', d.floodP99ToQuietP99, '<=', 3),
    check('startup', 'start-up < 1000 ms (median)', r.startup.medianMs, '<=', 1000),
    check('memory', 'memory after the sign-ins < 250 MB (PSS, all processes)', r.memory.proportionalBytesAfter / 1e6, '<=', 250),
  ];
}

/**
 * What makes a run invalid whatever the speed: figures that are not positive numbers, failed requests,
 * responses that do not verify or differ from the baseline's. --quick checks only this.
 */
export function sanityProblems(r: BenchResults): string[] {
  const problems = [...r.responseProblems];
  const positive: Array<[string, number]> = [
    ['limit one core', r.limit.signaturesPerSecondOneCore],
    ['limit all cores', r.limit.signaturesPerSecondAllCores],
    ['core', r.core.responsesPerSecond],
    ['core build only', r.core.buildOnlyResponsesPerSecond],
    ['samlify baseline', r.baseline.responsesPerSecond],
    ['http peak', r.http.peak.requestsPerSecond],
    ['http at half peak', r.http.halfPeak.achievedRate],
    ['http under flood', r.loginFlood.sso.achievedRate],
    ['login flood attempts', r.loginFlood.flood.attempts],
    ['memory', r.memory.proportionalBytesAfter],
    ['start-up', r.startup.medianMs],
  ];
  for (const [name, value] of positive) if (!(Number.isFinite(value) && value > 0)) problems.push(`${name}: ${value} is not a positive number`);
  if (r.baseline.differences.length > 0) problems.push(`samlify's response differs from Sesame's: ${r.baseline.differences.join('; ')}`);
  if (r.http.peak.failed > 0) problems.push(`http peak: ${r.http.peak.failed} of ${r.http.peak.ok + r.http.peak.failed} /aws/sso requests failed`);
  if (r.http.halfPeak.failed > 0) problems.push(`http at half peak: ${r.http.halfPeak.failed} of ${r.http.halfPeak.sent} /aws/sso requests failed`);
  if (r.loginFlood.sso.failed > 0) problems.push(`under login flood: ${r.loginFlood.sso.failed} of ${r.loginFlood.sso.sent} /aws/sso requests failed`);
  const unexpected = Object.keys(r.loginFlood.flood.statuses).filter((s) => !['401', '429', '503'].includes(s));
  if (unexpected.length > 0) problems.push(`login flood: unexpected answers ${unexpected.map((s) => `${s}×${r.loginFlood.flood.statuses[s]}`).join(', ')}`);
  const legit = r.loginFlood.legitimateSignIns;
  if (legit.succeeded !== legit.attempted) problems.push(`during the flood only ${legit.succeeded} of ${legit.attempted} correct sign-ins succeeded`);
  return problems;
}

const fixed = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** The human-readable table: one row per figure, ratios next to what they are ratios of. */
export function formatTable(r: BenchResults, targets: TargetCheck[]): string {
  const d = derivedRatios(r);
  const rows: Array<[string, string, string]> = [
    ['limit, 1 core', `${fixed(r.limit.signaturesPerSecondOneCore)} sig/s = ${fixed(r.limit.responsesPerSecondOneCore)} resp/s`, `${r.limit.signaturesPerResponse} signatures per response`],
    [`limit, ${r.limit.threads} cores`, `${fixed(r.limit.signaturesPerSecondAllCores)} sig/s = ${fixed(r.limit.responsesPerSecondAllCores)} resp/s`, ''],
    ['core (ConsoleSso.issue)', `${fixed(r.core.responsesPerSecond)} resp/s`, `${fixed(d.coreToLimit, 2)} × limit`],
    ['core, build + sign only', `${fixed(r.core.buildOnlyResponsesPerSecond)} resp/s`, `${fixed(d.buildOnlyToLimit, 2)} × limit`],
    [`baseline (${r.baseline.library})`, `${fixed(r.baseline.responsesPerSecond)} resp/s`, `Sesame ${fixed(d.coreToBaseline, 1)} × samlify`],
    [
      `http peak (${r.http.workers} workers, ${r.http.sessions} sessions)`,
      `${fixed(r.http.peak.requestsPerSecond)} req/s, p50 ${r.http.peak.latencyMs.p50} ms, p99 ${r.http.peak.latencyMs.p99} ms`,
      `${fixed(d.httpToLimit, 2)} × limit (all cores)`,
    ],
    [
      'http CPU per request (peak)',
      `server ${fixed(r.http.peak.cpuMsPerRequest.server, 2)} ms, load generator ${fixed(r.http.peak.cpuMsPerRequest.loadGenerator, 2)} ms`,
      `the ${r.limit.signaturesPerResponse} signatures: ${fixed((r.limit.signaturesPerResponse * 1000) / r.limit.signaturesPerSecondOneCore, 2)} ms`,
    ],
    [
      `http at ${fixed(r.http.halfPeak.targetRate)} req/s (half peak)`,
      `p50 ${fixed(r.http.halfPeak.latencyMs.p50, 1)} ms, p99 ${fixed(r.http.halfPeak.latencyMs.p99, 1)} ms`,
      `achieved ${fixed(r.http.halfPeak.achievedRate)} req/s`,
    ],
    [
      'same, under login flood',
      `p50 ${fixed(r.loginFlood.sso.latencyMs.p50, 1)} ms, p99 ${fixed(r.loginFlood.sso.latencyMs.p99, 1)} ms`,
      `${fixed(d.floodP99ToQuietP99, 2)} × p99 without flood`,
    ],
    [
      'login flood (wrong passwords)',
      `${fixed(r.loginFlood.flood.attemptsPerSecond, 1)} attempts/s, ${Object.entries(r.loginFlood.flood.statuses).map(([s, n]) => `${s}×${n}`).join(' ')}` +
        (r.loginFlood.flood.errors > 0 ? `, ${r.loginFlood.flood.errors} unanswered` : ''),
      `correct sign-ins meanwhile: ${r.loginFlood.legitimateSignIns.succeeded}/${r.loginFlood.legitimateSignIns.attempted}, max ${fixed(Math.max(0, ...r.loginFlood.legitimateSignIns.latencyMs))} ms`,
    ],
    [
      `memory after ${r.memory.signins} sign-ins`,
      `${fixed(r.memory.proportionalBytesAfter / 1e6)} MB PSS (${r.memory.perProcessAfter.map((p) => fixed(p.pssBytes / 1e6)).join(' + ')})`,
      `RSS ${fixed(r.memory.residentBytesAfter / 1e6)} MB (${r.memory.perProcessAfter.map((p) => fixed(p.rssBytes / 1e6)).join(' + ')}), peak ${fixed(r.memory.residentBytesPeak / 1e6)}; ${fixed(r.memory.signins / r.memory.seconds, 1)} sign-ins/s`,
    ],
    ['start-up (existing data dir and key)', `${fixed(r.startup.medianMs)} ms median`, `runs: ${r.startup.runs.map((ms) => fixed(ms)).join(', ')} ms`],
  ];
  const widths = [0, 1].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map(([a, b, c]) => `${a.padEnd(widths[0]!)}  ${b.padEnd(widths[1]!)}  ${c}`.trimEnd());
  lines.push('');
  if (r.profile) {
    lines.push(`where the workers' CPU goes at peak /aws/sso (node --cpu-prof, profiles in ${r.profile.dir}):`);
    for (const { category, share } of r.profile.shares) lines.push(`  ${(share * 100).toFixed(1).padStart(5)}%  ${category}`);
    lines.push('');
  }
  const judged = r.mode === 'full';
  for (const t of targets) {
    const verdict = judged ? (t.met ? 'met   ' : 'MISSED') : 'n/a   ';
    lines.push(`${verdict} ${t.description}: ${fixed(t.value, 2)}`);
  }
  if (!judged) lines.push('(--quick: the figures above only show that every phase works; they say nothing about speed)');
  lines.push(`load average before/after: ${r.machine.loadAverageBefore.toFixed(2)}/${r.machine.loadAverageAfter.toFixed(2)} on ${r.machine.cores} cores (${r.machine.cpuModel}), node ${r.machine.node}`);
  return lines.join('\n');
}
