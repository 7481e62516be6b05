/**
 * Tools to look inside a running Sesame cluster from the outside, without any test hook in Sesame:
 * the primary's worker processes come from /proc, and which worker holds a given TCP connection
 * comes from /proc/net/tcp and each worker's file descriptors (Linux). With that, a test can send one
 * request to worker A and the next to worker B on purpose, instead of hoping round-robin does it.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/sesameProcess';
import { childPids, sesameEnv, spawnSesame } from '../../scripts/lib/sesameChild';

export interface ClusterProcess {
  baseUrl: string;
  port: number;
  dir: string;
  env: NodeJS.ProcessEnv;
  primaryPid: number;
  output(): string;
  /** Resolves once the output matches, checking what arrives; rejects after `timeoutMs` with the output so far. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  workerPids(): number[];
  /** The primary's exit code (null for a signal). */
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

export function isRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Starts `node dist/src/main.js` in a fresh directory. Unless `waitForListening` is false, resolves
 * once it printed "Sesame listening" (a cluster primary prints it when every worker listens).
 */
export async function startClusterProcess(
  extraEnv: Record<string, string>,
  options: { port?: number; waitForListening?: boolean } = {},
): Promise<ClusterProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-cluster-'));
  const port = options.port ?? (await freePort());
  const env = sesameEnv(
    { port, dataDir: path.join(dir, 'data'), keyPath: path.join(dir, 'certs', 'signing-key.pem'), certPath: path.join(dir, 'certs', 'signing-cert.pem') },
    extraEnv,
  );
  const child = spawnSesame(env);
  const instance: ClusterProcess = {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    dir,
    env,
    primaryPid: child.pid,
    output: child.output,
    waitForOutput: child.waitForOutput,
    workerPids: () => childPids(child.pid),
    exited: child.exited,
    stop: async () => {
      const code = await child.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
  if (options.waitForListening !== false) {
    try {
      await child.waitForOutput(/Sesame listening/);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }
  return instance;
}

/** The inode of the server side of an established loopback connection, from /proc/net/tcp. */
function serverSocketInode(serverPort: number, clientPort: number): string | null {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[];
    try {
      lines = fs.readFileSync(table, 'utf8').trim().split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      const localPort = parseInt(fields[1]!.split(':').pop()!, 16);
      const remotePort = parseInt(fields[2]!.split(':').pop()!, 16);
      if (fields[3] === '01' && localPort === serverPort && remotePort === clientPort) return fields[9]!;
    }
  }
  return null;
}

/** Which of `pids` holds the server side of the connection whose client side is `clientPort`. */
export function processHoldingConnection(serverPort: number, clientPort: number, pids: number[]): number | null {
  const inode = serverSocketInode(serverPort, clientPort);
  if (!inode) return null;
  const target = `socket:[${inode}]`;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === target) return pid;
      } catch {
        // Closed while we looked.
      }
    }
  }
  return null;
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One keep-alive TCP connection, reused for every request made through it: the requests of one
 * browser tab pinned to whichever worker accepted the connection. Carries its own cookie jar.
 */
export class PinnedConnection {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private clientPort: number | null = null;
  cookie = '';

  constructor(private readonly port: number) {}

  request(method: 'GET' | 'POST', pathAndQuery: string, form?: Record<string, string>): Promise<HttpAnswer> {
    const body = form ? new URLSearchParams(form).toString() : undefined;
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          agent: this.agent,
          host: '127.0.0.1',
          port: this.port,
          method,
          path: pathAndQuery,
          headers: {
            accept: 'text/html',
            ...(this.cookie ? { cookie: this.cookie } : {}),
            ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } : {}),
          },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => {
            for (const header of response.headers['set-cookie'] ?? []) {
              const pair = header.split(';')[0]!;
              if (pair.startsWith('sesame.sid=')) this.cookie = /expires=Thu, 01 Jan 1970/i.test(header) ? '' : pair;
            }
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text });
          });
        },
      );
      request.on('socket', (socket) => {
        const remember = () => (this.clientPort = socket.localPort ?? null);
        if (socket.localPort) remember();
        else socket.once('connect', remember);
      });
      request.on('error', reject);
      request.end(body);
    });
  }

  /** The worker (one of `pids`) that holds this connection, once a request went through it. */
  heldBy(pids: number[]): number | null {
    return this.clientPort === null ? null : processHoldingConnection(this.port, this.clientPort, pids);
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * Opens connections until at least one is held by each of `pids` (round-robin gets there in a few).
 * Returns one connection per worker pid; closes the extra ones.
 */
export async function connectionPerWorker(port: number, pids: number[], maxAttempts = 40): Promise<Map<number, PinnedConnection>> {
  const byWorker = new Map<number, PinnedConnection>();
  for (let i = 0; i < maxAttempts && byWorker.size < pids.length; i++) {
    const connection = new PinnedConnection(port);
    const answer = await connection.request('GET', '/healthz');
    if (answer.status !== 200) throw new Error(`/healthz answered ${answer.status}`);
    const holder = connection.heldBy(pids);
    if (holder !== null && !byWorker.has(holder)) byWorker.set(holder, connection);
    else connection.close();
  }
  if (byWorker.size < pids.length) throw new Error(`after ${maxAttempts} connections only ${byWorker.size} of ${pids.length} workers held one`);
  return byWorker;
}

/** The login form's CSRF token, from a page fetched over `connection`. */
export function csrfToken(html: string): string {
  const match = /<input[^>]*name="_csrf"[^>]*value="([^"]*)"/.exec(html);
  if (!match) throw new Error('no CSRF token on the page');
  return match[1]!.replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
