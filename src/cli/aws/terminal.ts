import fs from 'node:fs';
import readline from 'node:readline';
import tty from 'node:tty';
import { EXIT_CANCELLED, SesameAwsError } from './sesameAwsError';

/**
 * Where `sesame-aws` asks its questions. Prompts are written to the controlling terminal
 * (/dev/tty), never to stdout: stdout carries the credential_process JSON or --json output, and the
 * AWS CLI captures stderr. Input comes from stdin, and only when stdin is a terminal: a pipe,
 * a file or /dev/null means nobody is there to answer, so the caller fails naming the flag instead
 * of waiting for ever.
 */
export interface Terminal {
  readonly interactive: boolean;
  ask(question: string): Promise<string>;
  /** Reads a secret with echo off (raw mode): the password never appears on screen or in a transcript. */
  askHidden(question: string): Promise<string>;
  say(line: string): void;
  close(): void;
}

const cancelled = () => new SesameAwsError('cancelled', 'cancelled at the prompt', EXIT_CANCELLED);

class TtyTerminal implements Terminal {
  readonly interactive = true;

  constructor(
    private readonly input: tty.ReadStream,
    private readonly output: NodeJS.WritableStream,
    private readonly ownedFd: number | null,
  ) {}

  say(line: string): void {
    this.output.write(line + '\n');
  }

  ask(question: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const rl = readline.createInterface({ input: this.input, output: this.output, terminal: true });
      let answered = false;
      rl.on('SIGINT', () => {
        rl.close();
        reject(cancelled());
      });
      rl.on('close', () => {
        if (!answered) reject(cancelled());
      });
      rl.question(question, (answer) => {
        answered = true;
        rl.close();
        resolve(answer.trim());
      });
    });
  }

  askHidden(question: string): Promise<string> {
    const input = this.input;
    return new Promise((resolve, reject) => {
      let secret = '';
      const finish = (error: SesameAwsError | null) => {
        input.removeListener('data', onData);
        input.setRawMode(false);
        input.pause();
        this.output.write('\n');
        if (error) reject(error);
        else resolve(secret);
      };
      const onData = (chunk: string) => {
        for (const char of chunk) {
          if (char === '\r' || char === '\n') return finish(null);
          if (char === '\u0003') return finish(cancelled()); // Ctrl-C
          if (char === '\u0004') return finish(secret === '' ? cancelled() : null); // Ctrl-D
          if (char === '\u007f' || char === '\b') secret = secret.slice(0, -1);
          else if (char >= ' ') secret += char;
        }
      };
      // Echo goes off before the prompt appears, so nothing typed in answer can be echoed.
      input.setEncoding('utf8');
      input.setRawMode(true);
      input.on('data', onData);
      input.resume();
      this.output.write(question);
    });
  }

  close(): void {
    if (this.ownedFd !== null) {
      try {
        fs.closeSync(this.ownedFd);
      } catch {
        // already closed
      }
    }
  }
}

class NoTerminal implements Terminal {
  readonly interactive = false;
  say(line: string): void {
    process.stderr.write(line + '\n');
  }
  ask(): Promise<string> {
    return Promise.reject(new Error('no terminal to ask on'));
  }
  askHidden(): Promise<string> {
    return Promise.reject(new Error('no terminal to ask on'));
  }
  close(): void {}
}

/** The terminal to prompt on, or a non-interactive stand-in when stdin is not a TTY or prompts are switched off. */
export function openTerminal(options: { noPrompt: boolean }): Terminal {
  if (options.noPrompt || !process.stdin.isTTY) return new NoTerminal();
  let fd: number | null = null;
  let output: NodeJS.WritableStream = process.stderr;
  try {
    fd = fs.openSync('/dev/tty', 'w');
    // A tty.WriteStream writes synchronously, so a prompt is on screen before we wait for the answer.
    output = new tty.WriteStream(fd);
  } catch {
    // No controlling terminal we can write to (some containers): stderr is the next best place.
    fd = null;
  }
  return new TtyTerminal(process.stdin as tty.ReadStream, output, fd);
}
