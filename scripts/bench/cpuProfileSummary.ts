import fs from 'node:fs';
import path from 'node:path';

/** A V8 .cpuprofile, as written by `node --cpu-prof`. */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

/** Where a sample's time goes, named after what an operator could change. */
const CATEGORIES: Array<[name: string, matches: (fn: string, url: string) => boolean]> = [
  ['RSA signatures (crypto.sign)', (fn, url) => fn === 'signOneShot' || (url.includes('internal/crypto/sig') && fn.startsWith('sign'))],
  ['hashes, HMAC, random IDs', (_fn, url) => url.startsWith('node:internal/crypto')],
  ['SQLite store (sessions, users, grants, audit)', (_fn, url) => /\/dist\/src\/store\/|node_modules\/better-sqlite3\//.test(url)],
  ['express-session and cookies', (_fn, url) => /node_modules\/(express-session|cookie|cookie-signature|on-headers)\//.test(url)],
  ['EJS views', (_fn, url) => /node_modules\/ejs\/|\.ejs$/.test(url)],
  ['Express routing and middleware', (_fn, url) => /node_modules\/(express|router|body-parser|path-to-regexp|send|serve-static|finalhandler|qs|iconv-lite|raw-body|type-is|content-type|mime|forwarded|proxy-addr)\/|\/dist\/src\/web\//.test(url)],
  ['SAML XML, AWS mapping, SP registry', (_fn, url) => /\/dist\/src\/(saml|aws|sp|auth)\//.test(url)],
  ['sending responses (writev: node + kernel TCP)', (fn, url) => ['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String'].includes(fn) || /^node:(net|internal\/stream_base_commons)/.test(url)],
  ['HTTP parsing and streams (node)', (_fn, url) => /^node:(_http|internal\/streams|internal\/http|events|buffer|internal\/process)/.test(url)],
  ['garbage collection', (fn) => fn === '(garbage collector)'],
  ['loading modules (start-up)', (fn, url) => /^node:internal\/(modules|bootstrap)/.test(url) || fn === 'wrapSafe' || fn === 'compileFunction'],
];

export interface ProfileShare {
  category: string;
  /** Share of the busy (non-idle) samples, 0–1. */
  share: number;
}

/** Busy-time shares by category for one profile, largest first; idle samples are left out. */
export function summarizeCpuProfile(profile: CpuProfile): ProfileShare[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const totals = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id);
    const delta = profile.timeDeltas[i] ?? 0;
    if (!frame || frame.functionName === '(idle)') return;
    busy += delta;
    const category = CATEGORIES.find(([, matches]) => matches(frame.functionName, frame.url))?.[0] ?? 'other';
    totals.set(category, (totals.get(category) ?? 0) + delta);
  });
  return [...totals.entries()].map(([category, time]) => ({ category, share: busy > 0 ? time / busy : 0 })).sort((a, b) => b.share - a.share);
}

/**
 * Averages the summaries of the main-thread profiles that `node --cpu-prof` wrote into `dir` for
 * the given processes (file names carry pid and thread id; thread 0 is the one serving requests).
 */
export function summarizeProfilesOf(dir: string, pids: number[]): ProfileShare[] {
  const files = fs.readdirSync(dir).filter((name) => pids.some((pid) => name.includes(`.${pid}.0.`)) && name.endsWith('.cpuprofile'));
  const sums = new Map<string, number>();
  for (const file of files) {
    for (const { category, share } of summarizeCpuProfile(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CpuProfile)) {
      sums.set(category, (sums.get(category) ?? 0) + share / files.length);
    }
  }
  return [...sums.entries()].map(([category, share]) => ({ category, share })).sort((a, b) => b.share - a.share);
}
