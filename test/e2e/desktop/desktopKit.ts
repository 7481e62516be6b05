/**
 * Running the real `sesame-aws` (bin/sesame-aws.js) and the real AWS CLI (Debian awscli v2,
 * /usr/bin/aws) as child processes, asynchronously: the STS emulator runs inside the test process,
 * so nothing here may block the event loop. Every run has a timeout, so a command that waits for
 * input it will never get fails the test instead of hanging it.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../helpers/repoRoot';

export const AWS_CLI = '/usr/bin/aws';
export const SESAME_AWS = path.join(repoRoot(), 'bin', 'sesame-aws.js');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** True when the run was killed at its timeout. */
  timedOut: boolean;
  ms: number;
}

export function run(file: string, args: string[], options: { env: NodeJS.ProcessEnv; stdin?: string; timeoutMs?: number }): Promise<RunResult> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(file, args, { env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, ms: Date.now() - started });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/** `node bin/sesame-aws.js …` with stdin a pipe (never a terminal). */
export function sesameAws(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<RunResult> {
  return run(process.execPath, [SESAME_AWS, ...args], { env, stdin, timeoutMs: 60_000 });
}

export function awsCli(args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return run(AWS_CLI, args, { env, timeoutMs: 90_000 });
}

const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

export interface PtyStep {
  /** Wait until the transcript (since the previous step) matches this… */
  expect: RegExp;
  /** …then type this (end lines with \r, as a terminal's Enter key does). */
  send: string;
}

/**
 * Runs a command on a real pseudo-terminal with util-linux `script`, answering prompts as a person
 * would: each answer is typed only once its prompt is on screen, so terminal echo (or its absence)
 * shows in the transcript exactly as a user would see it.
 */
export function runInPty(argv: string[], env: NodeJS.ProcessEnv, steps: PtyStep[], timeoutMs = 60_000): Promise<RunResult & { transcript: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn('script', ['-qfec', argv.map(shellQuote).join(' '), '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let transcript = '';
    let stderr = '';
    let consumed = 0;
    let timedOut = false;
    const pending = [...steps];
    const advance = () => {
      while (pending.length > 0) {
        const unseen = transcript.slice(consumed);
        const match = pending[0]!.expect.exec(unseen);
        if (!match) return;
        consumed += match.index + match[0].length;
        child.stdin.write(pending.shift()!.send);
      }
    };
    child.stdout.on('data', (d: Buffer) => {
      transcript += d.toString();
      advance();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, stdout: transcript, stderr, transcript, timedOut, ms: Date.now() - started });
    });
  });
}

const TOTP_SCRIPT = `
import base64, hmac, hashlib, struct, sys
secret, counter = sys.argv[1], int(sys.argv[2])
key = base64.b32decode(secret + '=' * (-len(secret) % 8))
mac = hmac.new(key, struct.pack('>Q', counter), hashlib.sha1).digest()
o = mac[-1] & 0x0f
print('%06d' % ((struct.unpack('>I', mac[o:o + 4])[0] & 0x7fffffff) % 1000000))
`;

/**
 * The RFC 6238 code of one 30-second step, computed by Python's standard library (Debian's
 * /usr/bin/python3), not by Sesame's own TOTP code: an authenticator app nobody here wrote.
 */
export async function totpFromPython(secretBase32: string, step: number): Promise<string> {
  const result = await run('/usr/bin/python3', ['-c', TOTP_SCRIPT, secretBase32, String(step)], { env: { PATH: process.env.PATH }, timeoutMs: 20_000 });
  if (result.code !== 0 || !/^\d{6}\n$/.test(result.stdout)) throw new Error(`python TOTP failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** The current TOTP step (RFC 6238: Unix time / 30 s). */
export function currentTotpStep(): number {
  return Math.floor(Date.now() / 30_000);
}
