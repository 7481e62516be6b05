import { parseArgs } from 'node:util';
import { startStsEmulator, DEFAULT_ADMIN_ACCOUNT, type AdminCredentialsInput } from '../sts/stsEmulator';
import { CliError } from './cliError';
import { metadataFrom } from './doctorSources';

export const STS_EMULATOR_USAGE = `  sts-emulator [--port N] [--host H] [--data-file F] [--metadata FILE|URL [--account ID] [--provider-name N]]`;

const HELP = `usage: sesame sts-emulator [options]

A local STS that judges SAML assertions the way AWS does: AssumeRoleWithSAML, GetCallerIdentity and
the IAM SAML provider calls, on the STS/IAM Query protocol. Point the AWS CLI or an SDK at it with
--endpoint-url. Runs until interrupted.

  --port N               TCP port (default 0: a free port, printed on start)
  --host H               address to bind (default 127.0.0.1)
  --data-file F          keep providers and issued credentials in this JSON file (mode 0600)
  --metadata FILE|URL    register this IdP metadata as a SAML provider at start
  --account ID           its account (default ${DEFAULT_ADMIN_ACCOUNT}, the admin key's account)
  --provider-name N      its name (default Sesame)

IAM calls need SigV4 with the admin key: SESAME_STS_ADMIN_KEY and SESAME_STS_ADMIN_SECRET (and
SESAME_STS_ADMIN_ACCOUNT, default ${DEFAULT_ADMIN_ACCOUNT}); without them a random key is generated
and printed.`;

interface Io {
  out: (line: string) => void;
}

function adminFromEnv(env: NodeJS.ProcessEnv): AdminCredentialsInput | undefined {
  const key = env.SESAME_STS_ADMIN_KEY;
  const secret = env.SESAME_STS_ADMIN_SECRET;
  if (key === undefined && secret === undefined) return undefined;
  if (!key || !secret) throw new CliError('set both SESAME_STS_ADMIN_KEY and SESAME_STS_ADMIN_SECRET, or neither');
  const accountId = env.SESAME_STS_ADMIN_ACCOUNT ?? DEFAULT_ADMIN_ACCOUNT;
  if (!/^\d{12}$/.test(accountId)) throw new CliError(`SESAME_STS_ADMIN_ACCOUNT must be a 12-digit account id, not ${JSON.stringify(accountId)}`);
  return { accessKeyId: key, secretAccessKey: secret, accountId };
}

/** `sesame sts-emulator`: starts the emulator, prints its URL, serves until SIGINT/SIGTERM. */
export async function runStsEmulatorCommand(argv: string[], env: NodeJS.ProcessEnv, io: Io = { out: (line) => process.stdout.write(line + '\n') }): Promise<number> {
  try {
    let values: Record<string, string | boolean | undefined>;
    try {
      values = parseArgs({
        args: argv,
        strict: true,
        allowPositionals: false,
        options: { port: { type: 'string' }, host: { type: 'string' }, 'data-file': { type: 'string' }, metadata: { type: 'string' }, account: { type: 'string' }, 'provider-name': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      }).values;
    } catch (error) {
      throw new CliError(`${(error as Error).message}\n\n${HELP}`);
    }
    if (values.help) {
      io.out(HELP);
      return 0;
    }
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be 0–65535, not ${JSON.stringify(values.port)}`);
    const admin = adminFromEnv(env);
    const emulator = await startStsEmulator({
      host: (values.host as string | undefined) ?? '127.0.0.1',
      port,
      dataFile: values['data-file'] as string | undefined,
      adminCredentials: admin,
      log: (line) => io.out(`${new Date().toISOString()} ${line}`),
    });
    io.out(`STS emulator listening on ${emulator.url}`);
    const key = emulator.adminCredentials[0]!;
    if (admin === undefined) {
      io.out(`IAM admin key for account ${key.accountId} (generated; set SESAME_STS_ADMIN_KEY/SECRET to choose one):`);
      io.out(`  AWS_ACCESS_KEY_ID=${key.accessKeyId} AWS_SECRET_ACCESS_KEY=${key.secretAccessKey}`);
    } else {
      io.out(`IAM admin key ${key.accessKeyId} acts in account ${key.accountId}`);
    }
    if (values.metadata !== undefined) {
      try {
        const metadata = await metadataFrom(values.metadata as string);
        const arn = emulator.registerSamlProvider({ accountId: (values.account as string | undefined) ?? key.accountId, name: (values['provider-name'] as string | undefined) ?? 'Sesame', metadataXml: metadata.xml });
        io.out(`registered SAML provider ${arn} from ${metadata.description}`);
      } catch (error) {
        await emulator.close();
        throw error;
      }
    }
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await emulator.close();
    return 0;
  } catch (error) {
    process.stderr.write(`sesame sts-emulator: ${(error as Error).message}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}
