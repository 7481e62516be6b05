import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT_USAGE, SesameAwsError } from './sesameAwsError';

export const USAGE = `usage: sesame-aws <command> [options]

  login               sign in, pick a role, write temporary credentials into a profile
      --idp URL             Sesame's address (SESAME_IDP_URL)
      --profile NAME        profile to write (AWS_PROFILE, else "default")
      --role ARN            role to assume (SESAME_AWS_ROLE); asked for when several are granted
      --duration SECONDS    DurationSeconds, 900-43200, at most the role's MaxSessionDuration (default: STS's, 1 hour)
      --region REGION       STS region (AWS_REGION, AWS_DEFAULT_REGION; default: the role's partition's)
      --sts-endpoint URL    STS endpoint (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL)
      --credentials-file F  (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials)
  credential-process  print credentials as credential_process JSON, cached until shortly before expiry
      --idp, --role, --duration, --region, --sts-endpoint as above; --no-cache
  exec [options] -- COMMAND [ARGS...]
                      run COMMAND with the credentials in AWS_ACCESS_KEY_ID/... (options as credential-process)
  roles               list the AWS roles granted to you as "account / role (label)"
  help                this text

Sign-in options (every command):
      --username NAME       (SESAME_USERNAME); asked for on a terminal
      --password-stdin      read the password from standard input (or SESAME_PASSWORD); asked for on a terminal
      --otp CODE            one-time code when your account has a second factor (SESAME_OTP); asked for on a terminal
      --no-prompt           never prompt (SESAME_NO_PROMPT=1): fail naming what is missing
      --json                machine-readable output (login, roles)

Without a terminal, sesame-aws never waits for input: it fails and names the flag or variable to set.`;

type Env = Record<string, string | undefined>;

export interface SignInOptions {
  idpUrl: string;
  username?: string;
  /** From SESAME_PASSWORD, or read from stdin when passwordFromStdin. */
  password?: string;
  passwordFromStdin: boolean;
  otp?: string;
  noPrompt: boolean;
  json: boolean;
}

export interface AssumeOptions extends SignInOptions {
  roleArn?: string;
  durationSeconds?: number;
  region?: string;
  stsEndpoint?: string;
}

export interface LoginOptions extends AssumeOptions {
  profile: string;
  credentialsFile: string;
}

export interface CachedAssumeOptions extends AssumeOptions {
  cacheDir: string;
  useCache: boolean;
}

export interface ExecOptions extends CachedAssumeOptions {
  command: string[];
}

export type ParsedCommand =
  | { command: 'help' }
  | { command: 'login'; options: LoginOptions }
  | { command: 'credential-process'; options: CachedAssumeOptions }
  | { command: 'exec'; options: ExecOptions }
  | { command: 'roles'; options: SignInOptions };

const usageError = (message: string) => new SesameAwsError('usage', `${message}\n\n${USAGE}`, EXIT_USAGE);

function envValue(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Sesame's base URL. The password travels to it, so plain http is refused unless the host is this
 * machine (a local test IdP).
 */
export function parseIdpUrl(raw: string | undefined, source: string): string {
  if (raw === undefined) throw new SesameAwsError('missing_input', `no IdP address: pass --idp URL or set SESAME_IDP_URL`, EXIT_USAGE);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SesameAwsError('usage', `${source}: "${raw}" is not an absolute URL (for example https://sso.example.com)`, EXIT_USAGE);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new SesameAwsError('usage', `${source}: "${raw}" must be an https URL`, EXIT_USAGE);
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname) && !url.hostname.startsWith('127.')) {
    throw new SesameAwsError('usage', `${source}: "${raw}" is plain http; your password would travel unencrypted. Use https (http is allowed only for localhost)`, EXIT_USAGE);
  }
  if (url.username || url.password || url.search || url.hash) throw new SesameAwsError('usage', `${source}: "${raw}" must not contain credentials, a query or a fragment`, EXIT_USAGE);
  return url.toString().replace(/\/+$/, '');
}

function parseDuration(raw: string | undefined, source: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,6}$/.test(raw) || Number(raw) < 900 || Number(raw) > 43200) {
    throw new SesameAwsError('usage', `${source}: "${raw}" is not a duration in seconds between 900 and 43200 (A3, P1)`, EXIT_USAGE);
  }
  return Number(raw);
}

function parseRegion(raw: string | undefined, source: string): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^[a-z]{2}(-[a-z]+){1,2}-\d{1,2}$/.test(raw)) throw new SesameAwsError('usage', `${source}: "${raw}" is not an AWS region code (for example eu-west-1)`, EXIT_USAGE);
  return raw;
}

function parseEndpoint(raw: string | undefined, source: string): string | undefined {
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol === 'https:' || url.protocol === 'http:') return raw;
  } catch {
    // fall through
  }
  throw new SesameAwsError('usage', `${source}: "${raw}" is not an http(s) URL`, EXIT_USAGE);
}

function parseProfile(raw: string, source: string): string {
  // Section names in the credentials file: no brackets, no whitespace, nothing an INI parser splits on.
  if (!/^[A-Za-z0-9_.@+\-/:]{1,128}$/.test(raw)) throw new SesameAwsError('usage', `${source}: "${raw}" is not a usable profile name (letters, digits and _ . @ + - / :)`, EXIT_USAGE);
  return raw;
}

const SIGN_IN_FLAGS = {
  idp: { type: 'string' },
  username: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  otp: { type: 'string' },
  'no-prompt': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;
const ASSUME_FLAGS = {
  ...SIGN_IN_FLAGS,
  role: { type: 'string' },
  duration: { type: 'string' },
  region: { type: 'string' },
  'sts-endpoint': { type: 'string' },
} as const;
const CACHE_FLAGS = { ...ASSUME_FLAGS, 'no-cache': { type: 'boolean' } } as const;
const LOGIN_FLAGS = { ...ASSUME_FLAGS, profile: { type: 'string' }, 'credentials-file': { type: 'string' } } as const;

function flagsOf(args: string[], options: Record<string, { type: 'string' | 'boolean' }>): Record<string, string | boolean | undefined> {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError((error as Error).message);
  }
  if (parsed.positionals.length > 0) throw usageError(`unexpected argument "${parsed.positionals[0]}"`);
  return parsed.values as Record<string, string | boolean | undefined>;
}

function signInOptions(flags: Record<string, string | boolean | undefined>, env: Env): SignInOptions {
  const str = (name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
  const fromFlag = str('idp') !== undefined;
  return {
    idpUrl: parseIdpUrl(str('idp') ?? envValue(env, 'SESAME_IDP_URL'), fromFlag ? '--idp' : 'SESAME_IDP_URL'),
    username: str('username') ?? envValue(env, 'SESAME_USERNAME'),
    // Not trimmed: spaces may be part of a password.
    password: env.SESAME_PASSWORD !== undefined && env.SESAME_PASSWORD !== '' ? env.SESAME_PASSWORD : undefined,
    passwordFromStdin: flags['password-stdin'] === true,
    otp: str('otp') ?? envValue(env, 'SESAME_OTP'),
    noPrompt: flags['no-prompt'] === true || /^(1|true|yes)$/i.test(envValue(env, 'SESAME_NO_PROMPT') ?? ''),
    json: flags.json === true,
  };
}

function assumeOptions(flags: Record<string, string | boolean | undefined>, env: Env): AssumeOptions {
  const str = (name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
  const pick = (flag: string, ...vars: string[]): [string | undefined, string] => {
    if (str(flag) !== undefined) return [str(flag), `--${flag}`];
    for (const name of vars) if (envValue(env, name) !== undefined) return [envValue(env, name), name];
    return [undefined, `--${flag}`];
  };
  const [role] = pick('role', 'SESAME_AWS_ROLE');
  const [region, regionSource] = pick('region', 'AWS_REGION', 'AWS_DEFAULT_REGION');
  const [endpoint, endpointSource] = pick('sts-endpoint', 'AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL');
  return {
    ...signInOptions(flags, env),
    roleArn: role,
    durationSeconds: parseDuration(str('duration'), '--duration'),
    region: parseRegion(region, regionSource),
    stsEndpoint: parseEndpoint(endpoint, endpointSource),
  };
}

function cacheDirOf(env: Env): string {
  const explicit = envValue(env, 'SESAME_AWS_CACHE_DIR');
  if (explicit) return path.resolve(explicit);
  const xdg = envValue(env, 'XDG_CACHE_HOME');
  return path.join(xdg ? path.resolve(xdg) : path.join(os.homedir(), '.cache'), 'sesame-aws');
}

/** Parses argv and the environment once into typed options (flags win over environment variables). */
export function parseCommand(argv: string[], env: Env): ParsedCommand {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { command: 'help' };
    case 'login': {
      const flags = flagsOf(rest, LOGIN_FLAGS);
      const profileFlag = typeof flags.profile === 'string' ? flags.profile : undefined;
      const profile = profileFlag ?? envValue(env, 'AWS_PROFILE') ?? 'default';
      const fileFlag = typeof flags['credentials-file'] === 'string' ? (flags['credentials-file'] as string) : undefined;
      const file = fileFlag ?? envValue(env, 'AWS_SHARED_CREDENTIALS_FILE') ?? path.join(os.homedir(), '.aws', 'credentials');
      return {
        command: 'login',
        options: {
          ...assumeOptions(flags, env),
          profile: parseProfile(profile, profileFlag !== undefined ? '--profile' : 'AWS_PROFILE'),
          credentialsFile: path.resolve(file),
        },
      };
    }
    case 'credential-process': {
      const flags = flagsOf(rest, CACHE_FLAGS);
      return { command: 'credential-process', options: { ...assumeOptions(flags, env), cacheDir: cacheDirOf(env), useCache: flags['no-cache'] !== true } };
    }
    case 'exec': {
      const separator = rest.indexOf('--');
      if (separator < 0 || separator === rest.length - 1) throw usageError('exec: give the command after "--", for example: sesame-aws exec --role ARN -- aws s3 ls');
      const flags = flagsOf(rest.slice(0, separator), CACHE_FLAGS);
      return {
        command: 'exec',
        options: { ...assumeOptions(flags, env), cacheDir: cacheDirOf(env), useCache: flags['no-cache'] !== true, command: rest.slice(separator + 1) },
      };
    }
    case 'roles':
      return { command: 'roles', options: signInOptions(flagsOf(rest, SIGN_IN_FLAGS), env) };
    default:
      throw usageError(`unknown command "${command}"`);
  }
}
