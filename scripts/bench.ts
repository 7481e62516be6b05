/**
 * `npm run bench`: how close Sesame comes to what the CPU can sign, against samlify, over HTTP on
 * every core, under a login flood, in memory and at start-up. Every figure comes from this one run.
 * Prints a table, writes JSON (bench-results.json), and exits 1 when the run itself was invalid
 * (failed requests, responses that do not verify) or, with --check-targets, when a target is missed.
 *
 * Phases, in order:
 *   limit     crypto.sign with the IdP's key, one thread, then one thread per core at once
 *   core      ConsoleSso.issue in-process (no HTTP), one core; and build + sign alone
 *   baseline  samlify 2.13.1 createLoginResponse making the same response (checked field by field)
 *   http      the real server (node dist/src/main.js, SESAME_WORKERS): peak with autocannon, then an
 *             open loop at half the peak, then the same open loop during a login flood
 *   memory    resident memory of all Sesame processes after N sign-ins through the form
 *   start-up  time from spawn to "Sesame listening" with the data directory and key already there
 */
import fs from 'node:fs';
import os from 'node:os';
import { SqliteStore } from '../src/store/sqliteStore';
import { BenchUsageError, parseBenchOptions, type BenchOptions } from './bench/benchOptions';
import { createBenchInstallation, provisionBenchUsers, type BenchInstallation } from './bench/benchInstallation';
import { measureSigningLimit } from './bench/signLimit';
import { measureCoreThroughput } from './bench/coreThroughput';
import { measureSamlifyBaseline } from './bench/samlifyBaseline';
import { describeSamlResponse, problemsWithAwsResponse, shapeDifferences } from './bench/samlResponseShape';
import { startSesameServer, type SesameServer } from './bench/sesameServer';
import { signInThroughForm } from './bench/formSignIn';
import { measureAtRate, measurePeak } from './bench/ssoLoad';
import { startLoginFlood } from './bench/loginFlood';
import { signInMany } from './bench/signInLoad';
import { checkTargets, derivedRatios, formatTable, sanityProblems, type BenchResults } from './bench/benchResults';
import { summarizeProfilesOf } from './bench/cpuProfileSummary';
import type { BenchUser } from './bench/benchInstallation';

/** Both the Response and the Assertion are signed (SESAME_SIGN_RESPONSE defaults to true). */
const SIGNATURES_PER_AWS_RESPONSE = 2;

const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function samlResponseOfPage(html: string): string {
  const match = /name="SAMLResponse" value="([^"]*)"/.exec(html);
  if (!match) throw new Error('the /aws/sso page carries no SAMLResponse field');
  return Buffer.from(match[1]!, 'base64').toString('utf8');
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/**
 * Signs the users in, four at a time: all from 127.0.0.1, and the throttle counts every attempt in
 * flight against the client address (30), so dozens at once would lock the benchmark out.
 */
async function signInSessions(baseUrl: string, users: BenchUser[]): Promise<string[]> {
  const cookies: string[] = [];
  for (let i = 0; i < users.length; i += 4) {
    cookies.push(...(await Promise.all(users.slice(i, i + 4).map((u) => signInThroughForm(baseUrl, u.username, u.password)))));
  }
  return cookies;
}
const totalResident = (server: SesameServer) => sum(server.memory().map((p) => p.rssBytes));

async function measureOverHttp(options: BenchOptions, installation: BenchInstallation, responseProblems: string[]) {
  const dataDir = installation.dataDir('server-data');
  const store = SqliteStore.open(dataDir);
  progress(`http: creating ${options.sessions} users with real scrypt hashes`);
  const users = await provisionBenchUsers(store, options.sessions).finally(() => store.close());

  const server = await startSesameServer({
    dataDir,
    keyPath: installation.keyPath,
    certPath: installation.certPath,
    workers: options.workers,
    // The flood's ever-changing client addresses arrive as X-Forwarded-For from the loopback "proxy".
    env: { SESAME_TRUST_PROXY: 'loopback' },
  });
  try {
    progress(`http: signing in ${users.length} sessions through the login form (${server.pids().length} Sesame processes)`);
    const cookies = await signInSessions(server.baseUrl, users);
    // The response served over HTTP must be as good as the in-process one.
    const page = await fetch(`${server.baseUrl}/aws/sso`, { headers: { cookie: cookies[0]!, accept: 'text/html' } });
    const servedShape = describeSamlResponse(samlResponseOfPage(await page.text()), installation.key.certificatePem);
    responseProblems.push(...problemsWithAwsResponse(servedShape).map((p) => `served by /aws/sso: ${p}`));

    progress('http: warm-up');
    await measurePeak(server.baseUrl, cookies, Math.max(1, options.httpSeconds / 5), server.pids);
    progress(`http: peak, ${cookies.length} connections for ${options.httpSeconds} s`);
    const peak = await measurePeak(server.baseUrl, cookies, options.httpSeconds, server.pids);
    const halfRate = Math.max(1, Math.floor(peak.requestsPerSecond / 2));
    // autocannon stops with a request in flight on each of its connections: the workers finish those
    // first. An open loop started at once would queue behind them and report the peak's tail as its own.
    await sleep(1000);
    progress(`http: open loop at ${halfRate} req/s (half the peak of ${peak.requestsPerSecond.toFixed(0)})`);
    const halfPeak = await measureAtRate(server.baseUrl, cookies, halfRate, options.httpSeconds);

    progress(`http: the same open loop while ${options.floodConnections} connections hammer the login form with wrong passwords`);
    const flooding = startLoginFlood(server.baseUrl, options.floodConnections, options.httpSeconds + 2);
    flooding.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"
    await sleep(1000);
    const ssoDuringFlood = measureAtRate(server.baseUrl, cookies, halfRate, options.httpSeconds);
    const legitimate = { attempted: 0, succeeded: 0, latencyMs: [] as number[] };
    let measuring = true;
    void ssoDuringFlood.finally(() => (measuring = false));
    while (measuring) {
      // A real user, right password, from an address the flood never used: throttling must let them in.
      const user = users[legitimate.attempted % users.length]!;
      legitimate.attempted++;
      const started = performance.now();
      try {
        await signInThroughForm(server.baseUrl, user.username, user.password);
        legitimate.succeeded++;
      } catch (error) {
        progress(`http: a correct sign-in failed during the flood: ${(error as Error).message}`);
      }
      legitimate.latencyMs.push(performance.now() - started);
      await sleep(250);
    }
    const sso = await ssoDuringFlood;
    const flood = await flooding;

    progress(`memory: ${options.signins} sign-ins through the login form`);
    let peakResident = totalResident(server);
    const sampler = setInterval(() => (peakResident = Math.max(peakResident, totalResident(server))), 250);
    let reported = 0;
    const signIns = await signInMany(server.baseUrl, users, options.signins, 2 * options.workers + 2, (done) => {
      if (done - reported >= options.signins / 10) {
        reported = done;
        progress(`memory: ${done}/${options.signins} sign-ins`);
      }
    }).finally(() => clearInterval(sampler));
    await sleep(1000);
    const perProcessAfter = server.memory();
    return {
      http: { workers: options.workers, sessions: cookies.length, peak, halfPeak },
      loginFlood: { sso, flood, legitimateSignIns: legitimate },
      memory: {
        signins: signIns.signins,
        seconds: signIns.seconds,
        residentBytesAfter: sum(perProcessAfter.map((p) => p.rssBytes)),
        proportionalBytesAfter: sum(perProcessAfter.map((p) => p.pssBytes)),
        residentBytesPeak: Math.max(peakResident, sum(perProcessAfter.map((p) => p.rssBytes))),
        perProcessAfter,
      },
      dataDir,
      users,
    };
  } finally {
    const code = await server.stop();
    if (code !== 0) responseProblems.push(`the server exited with ${code ?? server.exitSignal()} on SIGTERM:\n${server.output().slice(-4000)}`);
  }
}

async function measureStartup(options: BenchOptions, installation: BenchInstallation, dataDir: string, problems: string[]) {
  const runs: number[] = [];
  for (let i = 0; i < options.startupRuns; i++) {
    const server = await startSesameServer({ dataDir, keyPath: installation.keyPath, certPath: installation.certPath, workers: options.workers });
    runs.push(server.startupMs);
    const processes = server.pids().length;
    const expected = options.workers > 1 ? options.workers + 1 : 1;
    if (processes !== expected) problems.push(`start-up: ${processes} Sesame processes running, expected ${expected}`);
    const code = await server.stop();
    if (code !== 0) problems.push(`start-up run ${i + 1}: the server exited with ${code ?? server.exitSignal()} on SIGTERM:\n${server.output().slice(-4000)}`);
  }
  const sorted = [...runs].sort((a, b) => a - b);
  return { runs, medianMs: sorted[Math.floor(sorted.length / 2)]! };
}

/** One more peak run with the workers under `node --cpu-prof`: where the time of /aws/sso goes. */
async function profilePeak(options: BenchOptions, installation: BenchInstallation, dataDir: string, users: BenchUser[], profileDir: string) {
  fs.mkdirSync(profileDir, { recursive: true });
  const server = await startSesameServer({
    dataDir,
    keyPath: installation.keyPath,
    certPath: installation.certPath,
    workers: options.workers,
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
  });
  let servers: number[] = [];
  try {
    const cookies = await signInSessions(server.baseUrl, users);
    servers = options.workers > 1 ? server.pids().filter((pid) => pid !== server.primaryPid) : [server.primaryPid];
    await measurePeak(server.baseUrl, cookies, options.httpSeconds, server.pids);
  } finally {
    // Profiles are written when the processes exit.
    await server.stop();
  }
  return { dir: profileDir, shares: summarizeProfilesOf(profileDir, servers) };
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof BenchUsageError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const loadAverageBefore = os.loadavg()[0]!;
  const startedAt = new Date().toISOString();
  const installation = await createBenchInstallation();
  try {
    const problems: string[] = [];
    // Interleaved rounds, best of each: other load can only slow a phase down, and a burst of it
    // during one phase would otherwise skew the ratios between limit, core and baseline.
    const rounds = options.quick ? 1 : 3;
    const seconds = options.cpuSeconds / rounds;
    let limit: Awaited<ReturnType<typeof measureSigningLimit>> | undefined;
    let core: Awaited<ReturnType<typeof measureCoreThroughput>> | undefined;
    let samlify: Awaited<ReturnType<typeof measureSamlifyBaseline>> | undefined;
    for (let round = 1; round <= rounds; round++) {
      progress(`round ${round}/${rounds}: limit (crypto.sign with the IdP key, 1 thread, then ${options.workers}), core (ConsoleSso.issue), baseline (samlify)`);
      const l = await measureSigningLimit(installation.keyPem, seconds, options.workers);
      const c = await measureCoreThroughput(installation, seconds, `core-data-${round}`);
      const s = await measureSamlifyBaseline(installation, c.sampleInput, seconds);
      limit = {
        threads: l.threads,
        signaturesPerSecondOneCore: Math.max(l.signaturesPerSecondOneCore, limit?.signaturesPerSecondOneCore ?? 0),
        signaturesPerSecondAllCores: Math.max(l.signaturesPerSecondAllCores, limit?.signaturesPerSecondAllCores ?? 0),
      };
      core = {
        ...c,
        responsesPerSecond: Math.max(c.responsesPerSecond, core?.responsesPerSecond ?? 0),
        buildOnlyResponsesPerSecond: Math.max(c.buildOnlyResponsesPerSecond, core?.buildOnlyResponsesPerSecond ?? 0),
      };
      samlify = { ...s, responsesPerSecond: Math.max(s.responsesPerSecond, samlify?.responsesPerSecond ?? 0) };
    }
    if (!limit || !core || !samlify) throw new Error('no in-process round ran');
    const sesameShape = describeSamlResponse(core.sampleXml, installation.key.certificatePem);
    const samlifyShape = describeSamlResponse(samlify.sampleXml, installation.key.certificatePem);
    problems.push(...problemsWithAwsResponse(sesameShape).map((p) => `Sesame: ${p}`));
    problems.push(...problemsWithAwsResponse(samlifyShape).map((p) => `samlify: ${p}`));

    const overHttp = await measureOverHttp(options, installation, problems);
    progress(`start-up: ${options.startupRuns} run(s) with the existing data directory and key`);
    const startup = await measureStartup(options, installation, overHttp.dataDir, problems);
    let profile: BenchResults['profile'];
    if (options.profileDir) {
      progress(`profile: one more peak run with the workers under node --cpu-prof (${options.profileDir})`);
      profile = await profilePeak(options, installation, overHttp.dataDir, overHttp.users, options.profileDir);
    }

    const results: BenchResults = {
      mode: options.quick ? 'quick' : 'full',
      startedAt,
      machine: {
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        cores: os.availableParallelism(),
        node: process.version,
        loadAverageBefore,
        loadAverageAfter: os.loadavg()[0]!,
      },
      limit: {
        signaturesPerResponse: SIGNATURES_PER_AWS_RESPONSE,
        threads: limit.threads,
        signaturesPerSecondOneCore: limit.signaturesPerSecondOneCore,
        signaturesPerSecondAllCores: limit.signaturesPerSecondAllCores,
        responsesPerSecondOneCore: limit.signaturesPerSecondOneCore / SIGNATURES_PER_AWS_RESPONSE,
        responsesPerSecondAllCores: limit.signaturesPerSecondAllCores / SIGNATURES_PER_AWS_RESPONSE,
      },
      core: { responsesPerSecond: core.responsesPerSecond, buildOnlyResponsesPerSecond: core.buildOnlyResponsesPerSecond },
      baseline: { library: 'samlify 2.13.1', responsesPerSecond: samlify.responsesPerSecond, differences: shapeDifferences(sesameShape, samlifyShape) },
      http: overHttp.http,
      loginFlood: overHttp.loginFlood,
      memory: overHttp.memory,
      startup,
      responseProblems: problems,
      profile,
    };
    const targets = checkTargets(results);
    const invalid = sanityProblems(results);
    fs.writeFileSync(options.jsonPath, JSON.stringify({ ...results, ratios: derivedRatios(results), targets, invalid }, null, 2) + '\n');
    process.stdout.write(formatTable(results, targets) + '\n');
    process.stdout.write(`results written to ${options.jsonPath}\n`);
    if (invalid.length > 0) {
      process.stderr.write(`bench: this run is INVALID:\n${invalid.map((p) => `  - ${p}`).join('\n')}\n`);
      return 1;
    }
    if (options.checkTargets && targets.some((t) => !t.met)) return 1;
    return 0;
  } finally {
    installation.remove();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`bench: failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
