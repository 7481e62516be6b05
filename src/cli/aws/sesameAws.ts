import { spawn } from 'node:child_process';
import os from 'node:os';
import { describeRole } from './chooseRole';
import { CredentialCache, type CacheKeyParts, type CachedCredentials } from './credentialCache';
import { profileEntries, writeProfile } from './credentialsFile';
import { IdpClient } from './idpClient';
import { obtainCredentials } from './obtainCredentials';
import { parseCommand, USAGE, type CachedAssumeOptions, type ExecOptions, type LoginOptions, type SignInOptions } from './options';
import { EXIT_FAILURE, SesameAwsError } from './sesameAwsError';
import { signInToIdp } from './signInToIdp';
import { openTerminal, type Terminal } from './terminal';

export interface SesameAwsIo {
  out: (text: string) => void;
  err: (text: string) => void;
  readStdin: () => Promise<string>;
}

const defaultIo: SesameAwsIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  },
};

async function login(options: LoginOptions, terminal: Terminal, io: SesameAwsIo): Promise<void> {
  const obtained = await obtainCredentials(options, terminal, io.readStdin);
  // Written only now, after STS said yes: any failure before leaves the file exactly as it was.
  await writeProfile(options.credentialsFile, options.profile, profileEntries(obtained.credentials, obtained.role.roleArn));
  if (options.json) {
    io.out(
      JSON.stringify({
        profile: options.profile,
        credentialsFile: options.credentialsFile,
        roleArn: obtained.role.roleArn,
        assumedRoleArn: obtained.assumedRoleArn,
        accessKeyId: obtained.credentials.AccessKeyId,
        expiration: obtained.credentials.Expiration,
        region: obtained.region,
      }) + '\n',
    );
    return;
  }
  io.out(
    `Signed in to ${options.idpUrl} as ${obtained.username}.\n` +
      `Assumed ${describeRole(obtained.role)} as ${obtained.assumedRoleArn}; the credentials expire at ${obtained.credentials.Expiration}.\n` +
      `Wrote profile [${options.profile}] to ${options.credentialsFile}. Use it with: aws --profile ${options.profile} sts get-caller-identity\n`,
  );
}

function cacheKeyOf(options: CachedAssumeOptions): CacheKeyParts {
  return {
    idpUrl: options.idpUrl,
    username: options.username ?? null,
    roleArn: options.roleArn ?? null,
    durationSeconds: options.durationSeconds ?? null,
    region: options.region ?? null,
    stsEndpoint: options.stsEndpoint ?? null,
  };
}

/** Cached credentials, or a fresh sign-in whose result is cached. */
async function cachedCredentials(options: CachedAssumeOptions, terminal: Terminal, io: SesameAwsIo): Promise<CachedCredentials> {
  const cache = new CredentialCache(options.cacheDir);
  const key = cacheKeyOf(options);
  const hit = options.useCache ? cache.read(key) : null;
  if (hit) return hit;
  const obtained = await obtainCredentials(options, terminal, io.readStdin);
  const fresh: CachedCredentials = { ...obtained.credentials, roleArn: obtained.role.roleArn, assumedRoleArn: obtained.assumedRoleArn };
  if (options.useCache) cache.write(key, fresh);
  return fresh;
}

async function credentialProcess(options: CachedAssumeOptions, terminal: Terminal, io: SesameAwsIo): Promise<void> {
  const credentials = await cachedCredentials(options, terminal, io);
  // The credential_process contract (C4): exactly this object on stdout, Version the integer 1.
  io.out(
    JSON.stringify({
      Version: 1,
      AccessKeyId: credentials.AccessKeyId,
      SecretAccessKey: credentials.SecretAccessKey,
      SessionToken: credentials.SessionToken,
      Expiration: credentials.Expiration,
    }) + '\n',
  );
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

async function exec(options: ExecOptions, terminal: Terminal, io: SesameAwsIo): Promise<number> {
  const credentials = await cachedCredentials(options, terminal, io);
  const env: NodeJS.ProcessEnv = { ...process.env };
  // A named profile would make the AWS CLI and SDKs ignore the environment credentials.
  delete env.AWS_PROFILE;
  delete env.AWS_DEFAULT_PROFILE;
  delete env.SESAME_PASSWORD;
  delete env.SESAME_OTP;
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: credentials.AccessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.SecretAccessKey,
    AWS_SESSION_TOKEN: credentials.SessionToken,
    AWS_CREDENTIAL_EXPIRATION: credentials.Expiration,
    SESAME_AWS_ROLE_ARN: credentials.roleArn,
  });
  if (options.region) Object.assign(env, { AWS_REGION: options.region, AWS_DEFAULT_REGION: options.region });
  const [file, ...args] = options.command;
  return new Promise((resolve, reject) => {
    const child = spawn(file!, args, { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    for (const signal of SIGNALS) process.on(signal, forward);
    const done = () => SIGNALS.forEach((signal) => process.removeListener(signal, forward));
    child.once('error', (error) => {
      done();
      reject(new SesameAwsError('exec_failed', `could not run ${file}: ${(error as NodeJS.ErrnoException).code ?? error.message}`, 127));
    });
    child.once('exit', (code, signal) => {
      done();
      resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0));
    });
  });
}

async function roles(options: SignInOptions, terminal: Terminal, io: SesameAwsIo): Promise<void> {
  const client = new IdpClient(options.idpUrl);
  const { token } = await signInToIdp(client, options, terminal, io.readStdin);
  try {
    const granted = await client.listRoles(token);
    if (options.json) io.out(JSON.stringify({ roles: granted }) + '\n');
    else if (granted.length === 0) io.out('No AWS role is granted to you.\n');
    else io.out(granted.map((role) => `${describeRole(role)}  ${role.roleArn}\n`).join(''));
  } finally {
    await client.revoke(token);
  }
}

/** Runs `sesame-aws`; returns the process exit code. */
export async function sesameAwsCli(argv: string[], env: NodeJS.ProcessEnv, io: SesameAwsIo = defaultIo): Promise<number> {
  let json = false;
  let terminal: Terminal | null = null;
  try {
    const parsed = parseCommand(argv, env);
    if (parsed.command === 'help') {
      io.out(USAGE + '\n');
      return 0;
    }
    json = parsed.options.json;
    terminal = openTerminal({ noPrompt: parsed.options.noPrompt || parsed.options.passwordFromStdin });
    switch (parsed.command) {
      case 'login':
        await login(parsed.options, terminal, io);
        return 0;
      case 'credential-process':
        await credentialProcess(parsed.options, terminal, io);
        return 0;
      case 'exec':
        return await exec(parsed.options, terminal, io);
      case 'roles':
        await roles(parsed.options, terminal, io);
        return 0;
      default:
        return EXIT_FAILURE;
    }
  } catch (error) {
    const known = error instanceof SesameAwsError;
    const message = known ? error.message : `unexpected error: ${(error as Error)?.message ?? String(error)}`;
    io.err(`sesame-aws: ${message}\n`);
    if (json) io.out(JSON.stringify({ error: known ? error.code : 'unexpected', message }) + '\n');
    return known ? error.exitCode : EXIT_FAILURE;
  } finally {
    terminal?.close();
  }
}
