/**
 * User story (issue 6): Sesame serves from one worker process per core (SESAME_WORKERS), and a user
 * cannot tell which worker answered: a session made on one worker works on every other, failed
 * sign-ins count toward the same lockout whichever worker saw them, a crashed worker is replaced
 * without losing anyone's session, and SIGTERM lets in-flight requests finish.
 *
 * Requests are sent to a chosen worker on purpose: each PinnedConnection is one keep-alive TCP
 * connection, and clusterHarness finds which worker holds it from /proc.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sesameCli } from '../helpers/sesameProcess';
import {
  connectionPerWorker,
  csrfToken,
  isRunning,
  PinnedConnection,
  startClusterProcess,
  type ClusterProcess,
} from './clusterHarness';

const ALICE_PASSWORD = 'correct horse battery staple';
const DEV = 'arn:aws:iam::111122223333:role/Developer';
const DEV_PROVIDER = 'arn:aws:iam::111122223333:saml-provider/Sesame';

function cli(instance: ClusterProcess, args: string[], stdin?: string): void {
  const result = sesameCli(instance, args, stdin);
  assert.equal(result.status, 0, `sesame ${args.join(' ')} failed: ${result.stderr}`);
}

async function signInOver(connection: PinnedConnection, username: string, password: string) {
  const form = await connection.request('GET', '/login');
  assert.equal(form.status, 200);
  return connection.request('POST', '/login', { _csrf: csrfToken(form.body), username, password, next: '/' });
}

describe('a cluster of SESAME_WORKERS=2 behind one port', () => {
  let idp: ClusterProcess;
  let workers: number[];
  const open: PinnedConnection[] = [];

  before(async () => {
    idp = await startClusterProcess({ SESAME_WORKERS: '2' });
    workers = idp.workerPids();
    cli(idp, ['user', 'add', 'alice', '--email', 'alice@example.com', '--password-stdin'], ALICE_PASSWORD);
    cli(idp, ['user', 'add', 'mallory-target', '--password-stdin'], 'the target has a long secret');
    cli(idp, ['group', 'add', 'developers']);
    cli(idp, ['group', 'add-member', 'developers', 'alice']);
    cli(idp, ['grant', 'add', '--group', 'developers', '--role-arn', DEV, '--provider-arn', DEV_PROVIDER]);
  });
  after(async () => {
    for (const connection of open) connection.close();
    await idp?.stop();
  });

  test('the primary starts two workers and announces the address once, with one setup link', () => {
    assert.equal(workers.length, 2, `worker processes under the primary: ${workers.join(', ')}`);
    assert.ok(!workers.includes(idp.primaryPid));
    assert.equal(idp.output().match(/Sesame listening/g)?.length, 1, idp.output());
    assert.match(idp.output(), /Sesame listening on http:\/\/127\.0\.0\.1:\d+ .*2 worker processes/);
    assert.equal(idp.output().match(/setup\?token=/g)?.length, 1, 'the primary issues the one setup token; workers issue none');
  });

  test('the setup link printed by the primary opens on every worker', async () => {
    const token = /setup\?token=([A-Za-z0-9_-]+)/.exec(idp.output())![1]!;
    const byWorker = await connectionPerWorker(idp.port, workers);
    open.push(...byWorker.values());
    for (const [pid, connection] of byWorker) {
      assert.equal((await connection.request('GET', `/setup?token=${token}`)).status, 200, `worker ${pid} knows the token`);
      assert.equal((await connection.request('GET', '/setup?token=not-the-token')).status, 404, `worker ${pid} refuses a wrong one`);
    }
  });

  test('a session signed in on one worker signs in to AWS on the other', async () => {
    const byWorker = await connectionPerWorker(idp.port, workers);
    open.push(...byWorker.values());
    const [onA, onB] = [byWorker.get(workers[0]!)!, byWorker.get(workers[1]!)!];
    const login = await signInOver(onA, 'alice', ALICE_PASSWORD);
    assert.equal(login.status, 303, login.body.slice(0, 300));
    assert.equal(onA.heldBy(workers), workers[0], 'the sign-in went to worker A');

    onB.cookie = onA.cookie;
    const sso = await onB.request('GET', '/aws/sso');
    assert.equal(onB.heldBy(workers), workers[1], 'the SSO request went to worker B');
    assert.equal(sso.status, 200, sso.body.slice(0, 300));
    assert.match(sso.body, /name="SAMLResponse" value="[A-Za-z0-9+/=]{1000,}"/);

    // And back: sign out on B, and A no longer knows the session either.
    const portal = await onB.request('GET', '/');
    const signOut = await onB.request('POST', '/logout', { _csrf: csrfToken(portal.body) });
    assert.equal(signOut.status, 303);
    const afterSignOut = await onA.request('GET', '/aws/sso');
    assert.equal(afterSignOut.status, 303);
    assert.match(String(afterSignOut.headers.location), /^\/login/);
  });

  test('failed sign-ins on both workers add up to one lockout (not five per worker)', async () => {
    const byWorker = await connectionPerWorker(idp.port, workers);
    open.push(...byWorker.values());
    const [onA, onB] = [byWorker.get(workers[0]!)!, byWorker.get(workers[1]!)!];
    // Five wrong passwords, three on A and two on B: each worker alone saw fewer than the account
    // limit of 5 attempts, so only a shared count locks the account for the sixth.
    for (let i = 0; i < 5; i++) {
      const answer = await signInOver(i % 2 === 0 ? onA : onB, 'mallory-target', `wrong guess ${i} xxxxxxxx`);
      assert.equal(answer.status, 401, `guess ${i + 1}`);
    }
    assert.deepEqual([onA.heldBy(workers), onB.heldBy(workers)], workers, 'the guesses really went to both workers');
    for (const connection of [onA, onB]) {
      const locked = await signInOver(connection, 'mallory-target', 'the target has a long secret');
      assert.equal(locked.status, 429, 'even the right password is refused while the account is locked');
      assert.ok(Number(locked.headers['retry-after']) > 0);
    }
  });

  test('a worker that dies is replaced, and the sessions it served live on', async () => {
    const browser = new PinnedConnection(idp.port);
    open.push(browser);
    assert.equal((await signInOver(browser, 'alice', ALICE_PASSWORD)).status, 303);
    const original = idp.workerPids();
    // Kill every worker that existed at sign-in: whatever serves next has never seen this session in memory.
    for (const pid of original) {
      const replaced = idp.output().match(/starting a replacement/g)?.length ?? 0;
      process.kill(pid, 'SIGKILL');
      await idp.waitForOutput(new RegExp(`worker ${pid} exited \\(signal SIGKILL\\); starting a replacement`));
      await waitUntil(() => (idp.output().match(/worker \d+ is listening/g)?.length ?? 0) > replaced, 'the replacement listens');
    }
    const now = idp.workerPids();
    assert.equal(now.length, 2);
    assert.ok(now.every((pid) => !original.includes(pid)), `all workers are new: ${original} → ${now}`);
    workers = now;

    const fresh = new PinnedConnection(idp.port);
    open.push(fresh);
    fresh.cookie = browser.cookie;
    const sso = await fresh.request('GET', '/aws/sso');
    assert.equal(sso.status, 200, sso.body.slice(0, 300));
    assert.match(sso.body, /name="SAMLResponse"/);
  });
});

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

test('SIGTERM lets an in-flight sign-in finish, then every worker and the primary exit 0', async () => {
  const idp = await startClusterProcess({ SESAME_WORKERS: '2' });
  const workers = idp.workerPids();
  try {
    cli(idp, ['user', 'add', 'alice', '--password-stdin'], ALICE_PASSWORD);
    const form = await new PinnedConnection(idp.port).request('GET', '/login');
    const cookie = /sesame\.sid=[^;]+/.exec(String(form.headers['set-cookie']))![0];
    const body = new URLSearchParams({ _csrf: csrfToken(form.body), username: 'alice', password: ALICE_PASSWORD, next: '/' }).toString();

    // Headers with Expect: 100-continue; the server's "100 Continue" proves a worker is handling the request.
    const socket = net.connect(idp.port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.write(
      `POST /login HTTP/1.1\r\nHost: 127.0.0.1:${idp.port}\r\nCookie: ${cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\nAccept: text/html\r\n\r\n`,
    );
    await waitUntil(() => received.includes('100 Continue'), 'the worker accepted the request');

    process.kill(idp.primaryPid, 'SIGTERM');
    await idp.waitForOutput(/shutting down \(SIGTERM\)/);
    for (const pid of workers) await idp.waitForOutput(new RegExp(`worker ${pid} stopping`));
    assert.ok(workers.every(isRunning), 'the workers wait for the request in flight');

    socket.write(body);
    await waitUntil(() => /HTTP\/1\.1 (?!100)\d{3} [^\r]*\r\n/.test(received), 'the response to the sign-in');
    assert.match(received, /HTTP\/1\.1 303 See Other/, received.slice(0, 500));
    socket.destroy();

    assert.equal(await idp.exited, 0, idp.output());
    await waitUntil(() => workers.every((pid) => !isRunning(pid)), 'every worker is gone');
  } finally {
    await idp.stop();
  }
});

test('a worker that cannot start fails the start-up with its reason, and leaves no process behind', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
  const port = (blocker.address() as net.AddressInfo).port;
  const idp = await startClusterProcess({ SESAME_WORKERS: '2' }, { port, waitForListening: false });
  try {
    assert.equal(await idp.exited, 1, idp.output());
    assert.match(idp.output(), /EADDRINUSE/);
    assert.match(idp.output(), /exited \(code 1\) before it was listening/);
    assert.doesNotMatch(idp.output(), /Sesame listening/);
    assert.deepEqual(idp.workerPids(), []);
  } finally {
    blocker.close();
    await idp.stop();
  }
});

test('SESAME_WORKERS=1 serves from the one process, without a cluster primary', async () => {
  const idp = await startClusterProcess({ SESAME_WORKERS: '1' });
  try {
    assert.deepEqual(idp.workerPids(), [], 'no worker processes');
    assert.doesNotMatch(idp.output(), /worker processes/);
    const health = await new PinnedConnection(idp.port).request('GET', '/healthz');
    assert.equal(health.status, 200);
  } finally {
    assert.equal(await idp.stop(), 0);
  }
});

test('a bad SESAME_WORKERS stops start-up with a message naming the variable', async () => {
  for (const value of ['0', 'two', '257']) {
    const idp = await startClusterProcess({ SESAME_WORKERS: value }, { waitForListening: false });
    try {
      assert.equal(await idp.exited, 2, idp.output());
      assert.match(idp.output(), /configuration error: SESAME_WORKERS: /);
    } finally {
      await idp.stop();
    }
  }
});
