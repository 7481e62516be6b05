import { IdpApiError, type IdpClient } from './idpClient';
import { missingInput, SesameAwsError } from './sesameAwsError';
import type { SignInOptions } from './options';
import type { Terminal } from './terminal';

const NO_TERMINAL = 'there is no terminal to ask on';
const MAX_CODE_ATTEMPTS = 3;

export interface SignedIn {
  token: string;
  username: string;
}

/**
 * Signs in to Sesame's API: username, password and, when the account has a second factor, a
 * one-time code. Each comes from its flag or environment variable, else from a terminal prompt
 * (the password without echo), else the command fails naming where to put it.
 */
export async function signInToIdp(client: IdpClient, options: SignInOptions, terminal: Terminal, readStdin: () => Promise<string>): Promise<SignedIn> {
  let username = options.username;
  if (username === undefined) {
    if (!terminal.interactive) throw missingInput('Your Sesame username', '--username', 'SESAME_USERNAME', NO_TERMINAL);
    username = await terminal.ask('Username: ');
  }
  if (username === '') throw new SesameAwsError('missing_input', 'the username is empty', 2);

  let password: string | undefined;
  if (options.passwordFromStdin) {
    password = await readStdin();
    if (password === '') throw new SesameAwsError('missing_input', '--password-stdin: standard input was empty', 2);
  } else if (options.password !== undefined) {
    password = options.password;
  } else {
    if (!terminal.interactive) throw missingInput('Your password', '--password-stdin', 'SESAME_PASSWORD', NO_TERMINAL);
    password = await terminal.askHidden('Password: ');
  }

  let otp = options.otp;
  for (let attempt = 1; ; attempt++) {
    try {
      const session = await client.createSession(username, password, otp);
      return { token: session.token, username: session.username };
    } catch (error) {
      if (!(error instanceof IdpApiError)) throw error;
      const codeWanted = error.code === 'otp_required' || (error.code === 'otp_invalid' && options.otp === undefined);
      if (!codeWanted) throw error;
      if (!terminal.interactive) {
        if (error.code === 'otp_invalid') throw error;
        throw missingInput('A one-time code (your account has a second factor)', '--otp', 'SESAME_OTP', NO_TERMINAL);
      }
      if (attempt > MAX_CODE_ATTEMPTS) throw error;
      if (error.code === 'otp_invalid') terminal.say(error.message);
      otp = await terminal.ask('One-time code: ');
    }
  }
}
