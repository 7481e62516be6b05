/**
 * Issue 6: the benchmark judges its own run. These prove the judging can fail: a missed target is
 * reported as missed, and a run with failed requests or mismatched responses is invalid.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkTargets, formatTable, sanityProblems, type BenchResults } from '../../scripts/bench/benchResults';

/** A run that meets every target of issue 6 by a small margin. */
function goodRun(): BenchResults {
  const latency = (p99: number) => ({ p50: p99 / 3, p90: p99 / 2, p99, max: p99 * 2 });
  return {
    mode: 'full',
    startedAt: '2026-11-28T00:00:00.000Z',
    machine: { cpuModel: 'test', cores: 2, node: 'v20', loadAverageBefore: 0.1, loadAverageAfter: 0.2 },
    limit: {
      signaturesPerResponse: 2,
      threads: 2,
      signaturesPerSecondOneCore: 2000,
      signaturesPerSecondAllCores: 4000,
      responsesPerSecondOneCore: 1000,
      responsesPerSecondAllCores: 2000,
    },
    core: { responsesPerSecond: 900, buildOnlyResponsesPerSecond: 950 },
    baseline: { library: 'samlify 2.13.1', responsesPerSecond: 100, differences: [] },
    http: {
      workers: 2,
      sessions: 64,
      peak: { connections: 64, requestsPerSecond: 1200, latencyMs: { p50: 50, p99: 90 }, ok: 12000, failed: 0, cpuMsPerRequest: { server: 1.5, loadGenerator: 0.2 } },
      halfPeak: { targetRate: 600, achievedRate: 600, sent: 6000, ok: 6000, failed: 0, latencyMs: latency(6) },
    },
    loginFlood: {
      sso: { targetRate: 600, achievedRate: 598, sent: 6000, ok: 6000, failed: 0, latencyMs: latency(12) },
      flood: { attempts: 150, attemptsPerSecond: 15, statuses: { '401': 150 }, errors: 0, latencyMs: { p50: 900, p99: 2000 } },
      legitimateSignIns: { attempted: 10, succeeded: 10, latencyMs: [900, 1200] },
    },
    memory: {
      signins: 10000,
      seconds: 600,
      residentBytesAfter: 300e6,
      proportionalBytesAfter: 180e6,
      residentBytesPeak: 380e6,
      perProcessAfter: [
        { pid: 1, rssBytes: 60e6, pssBytes: 30e6 },
        { pid: 2, rssBytes: 120e6, pssBytes: 75e6 },
        { pid: 3, rssBytes: 120e6, pssBytes: 75e6 },
      ],
    },
    startup: { runs: [500, 520, 510], medianMs: 510 },
    responseProblems: [],
  };
}

describe('checkTargets', () => {
  test('a run within every bound meets every target', () => {
    const targets = checkTargets(goodRun());
    assert.equal(targets.length, 7);
    assert.deepEqual(targets.filter((t) => !t.met).map((t) => t.id), []);
  });

  test('each target fails when its figure crosses the bound', () => {
    const cases: Array<[string, (r: BenchResults) => void]> = [
      ['core-vs-limit', (r) => (r.core.responsesPerSecond = 590)],
      ['core-vs-samlify', (r) => (r.baseline.responsesPerSecond = 460)],
      ['http-vs-limit', (r) => (r.http.peak.requestsPerSecond = 990)],
      ['http-p99-half-peak', (r) => (r.http.halfPeak.latencyMs.p99 = 15.5)],
      ['flood-p99', (r) => (r.loginFlood.sso.latencyMs.p99 = 18.1)],
      ['startup', (r) => (r.startup.medianMs = 1001)],
      ['memory', (r) => (r.memory.proportionalBytesAfter = 251e6)],
    ];
    for (const [id, spoil] of cases) {
      const run = goodRun();
      spoil(run);
      assert.deepEqual(checkTargets(run).filter((t) => !t.met).map((t) => t.id), [id], id);
    }
  });

  test('a figure that is not a number never counts as met', () => {
    const run = goodRun();
    run.limit.responsesPerSecondOneCore = 0;
    assert.equal(checkTargets(run).find((t) => t.id === 'core-vs-limit')!.met, false);
  });
});

describe('sanityProblems (what --quick checks)', () => {
  test('a clean run has none', () => {
    assert.deepEqual(sanityProblems(goodRun()), []);
  });

  test('failed requests, unexpected flood answers, a different baseline and bad responses make the run invalid', () => {
    const run = goodRun();
    run.http.peak.failed = 3;
    run.loginFlood.sso.failed = 1;
    run.loginFlood.flood.statuses['500'] = 2;
    run.loginFlood.legitimateSignIns.succeeded = 9;
    run.baseline.differences = ['attributes: [..] ≠ []'];
    run.responseProblems = ['samlify: the Assertion signature does not verify over the Assertion'];
    run.core.responsesPerSecond = Number.NaN;
    const problems = sanityProblems(run).join('\n');
    for (const expected of [/http peak: 3 of/, /under login flood: 1 of/, /unexpected answers 500×2/, /only 9 of 10 correct sign-ins/, /samlify's response differs/, /does not verify/, /core: NaN is not a positive number/]) {
      assert.match(problems, expected);
    }
  });
});

test('the table shows every figure, the ratios and the verdicts; --quick gives no verdict', () => {
  const run = goodRun();
  const table = formatTable(run, checkTargets(run));
  for (const row of [/^limit, 1 core .*2000 sig\/s = 1000 resp\/s/m, /^core \(ConsoleSso\.issue\) .*0\.90 × limit/m, /Sesame 9\.0 × samlify/, /1200 req\/s.*0\.60 × limit \(all cores\)/, /server 1\.50 ms, load generator 0\.20 ms .*signatures: 1\.00 ms/, /2\.00 × p99 without flood/, /180 MB PSS/, /510 ms median/]) {
    assert.match(table, row);
  }
  assert.equal(table.match(/^met /gm)?.length, 7);
  run.mode = 'quick';
  const quick = formatTable(run, checkTargets(run));
  assert.doesNotMatch(quick, /^(met|MISSED) /m);
  assert.match(quick, /say nothing about speed/);
});
