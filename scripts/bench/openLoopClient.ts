import net from 'node:net';

/**
 * A lean HTTP/1.1 GET client for the open-loop phases. The load generator shares the machine with
 * the server under test, so every millisecond it spends is one the server cannot: node's http
 * client costs ~0.6–0.8 ms of CPU per 10 KB response here, this one a fraction of that. Requests
 * are prebuilt bytes; responses are framed by Content-Length (Express always sends it; anything
 * else counts as a failure) and the body is checked for the marker that makes it a success.
 */
class Connection {
  private readonly socket: net.Socket;
  private chunks: Buffer[] = [];
  private received = 0;
  /** Header length + Content-Length once the head has arrived; -1 before. */
  private expected = -1;
  private status = 0;
  private pending: ((ok: boolean) => void) | null = null;
  closed = false;

  constructor(host: string, port: number, private readonly marker: Buffer) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = () => {
      this.closed = true;
      this.finish(false);
    };
    this.socket.on('error', fail);
    this.socket.on('close', fail);
  }

  get busy(): boolean {
    return this.pending !== null;
  }

  send(request: Buffer, done: (ok: boolean) => void): void {
    this.pending = done;
    this.socket.write(request);
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.received += chunk.length;
    if (this.expected < 0) {
      const head = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const text = head.subarray(0, end).toString('latin1');
      this.status = Number(text.slice(9, 12));
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
      if (!length) {
        this.socket.destroy();
        return;
      }
      this.expected = end + 4 + Number(length[1]);
    }
    if (this.received >= this.expected) {
      const body = Buffer.concat(this.chunks).subarray(0, this.expected);
      this.finish(this.status === 200 && body.includes(this.marker));
    }
  }

  private finish(ok: boolean): void {
    const done = this.pending;
    this.pending = null;
    this.chunks = [];
    this.received = 0;
    this.expected = -1;
    done?.(ok);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** One user's browser: up to six keep-alive connections (as browsers allow per host), opened as needed. */
export class BrowserLikeClient {
  private readonly connections: Connection[] = [];
  private readonly queue: Array<(ok: boolean) => void> = [];
  private readonly request: Buffer;

  constructor(
    private readonly host: string,
    private readonly port: number,
    path: string,
    headers: Record<string, string>,
    private readonly marker: Buffer,
  ) {
    const lines = [`GET ${path} HTTP/1.1`, `Host: ${host}:${port}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    this.request = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  }

  /** Sends the request; `done` gets whether the answer was a success. */
  get(done: (ok: boolean) => void): void {
    for (let i = this.connections.length - 1; i >= 0; i--) if (this.connections[i]!.closed) this.connections.splice(i, 1);
    let connection = this.connections.find((c) => !c.busy);
    if (!connection && this.connections.length < 6) {
      connection = new Connection(this.host, this.port, this.marker);
      this.connections.push(connection);
    }
    if (!connection) {
      this.queue.push(done);
      return;
    }
    this.sendOn(connection, done);
  }

  private sendOn(connection: Connection, done: (ok: boolean) => void): void {
    connection.send(this.request, (ok) => {
      done(ok);
      const next = this.queue.shift();
      if (next) this.get(next);
    });
  }

  close(): void {
    for (const connection of this.connections) connection.close();
  }
}
