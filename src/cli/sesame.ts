import os from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseDataDir } from '../config/config';
import { SqliteStore } from '../store/sqliteStore';
import { StoreConflictError, type Store } from '../store/store';
import { AdminInputError, AdminService } from '../admin/adminService';
import { AccountInputError } from '../auth/accountRules';
import { AwsRuleError } from '../aws/awsRuleError';
import { CliError } from './cliError';
import { promptHidden, readStdin } from './prompt';
import { runSpCommand, SP_COMMAND_ERRORS, SP_USAGE } from '../sp/spCommand';
import { DOCTOR_USAGE, runDoctor } from './doctor';
import { STS_EMULATOR_USAGE, runStsEmulatorCommand } from './stsEmulatorCommand';
import { CONSOLE_USAGE, apiTokenRevokerFor, runConsoleCommand } from '../admin/consoleCommands';

const USAGE = `usage: sesame <command>

  user add <name> [--email E] [--display-name N] [--admin] [--password-stdin]
  user passwd <name> [--password-stdin]
  user disable <name>
  user enable <name>
  user list [--json]
  group add <name> [--description D]
  group add-member <group> <user>
  group remove-member <group> <user>
  group list [--json]
  grant add --group G --role-arn A --provider-arn P [--duration SECONDS] [--label L]
  grant remove <id>
  grant list [--json]
  audit list [--limit N] [--event E] [--json]
${CONSOLE_USAGE}
${SP_USAGE}
${DOCTOR_USAGE}
${STS_EMULATOR_USAGE}

Reads SESAME_DATA_DIR (default ./data). Passwords are read from a terminal prompt, or from
standard input with --password-stdin; there are no default passwords.`;

interface Io {
  out: (line: string) => void;
}

function parse(argv: string[], options: ParseArgsConfig['options'], positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (parsed.positionals.length !== positionals) {
    throw new CliError(`expected ${positionals} argument(s), got ${parsed.positionals.length}\n\n${USAGE}`);
  }
  return { values: parsed.values as Record<string, string | boolean | undefined>, args: parsed.positionals };
}

async function readNewPassword(fromStdin: boolean): Promise<string | null> {
  if (fromStdin) {
    const password = await readStdin();
    if (password === '') throw new CliError('--password-stdin: standard input was empty');
    return password;
  }
  if (!process.stdin.isTTY) return null;
  const first = await promptHidden('New password: ');
  const second = await promptHidden('Repeat password: ');
  if (first !== second) throw new CliError('the two passwords differ');
  return first;
}

/**
 * Control characters (\p{Cc}: ESC, CR, NUL …) shown as \u001b-style escapes: cells hold values that
 * unauthenticated requests put into the audit log, and a raw ESC or CR would rewrite the admin's
 * terminal (hide lines, forge others).
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(/\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function table(rows: Array<Record<string, unknown>>, io: Io): void {
  if (rows.length === 0) return io.out('(none)');
  const keys = Object.keys(rows[0]!);
  const cell = (v: unknown) => (v === null || v === undefined ? '-' : escapeControlCharacters(String(v)));
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => cell(r[k]).length)));
  io.out(keys.map((k, i) => k.padEnd(widths[i]!)).join('  '));
  for (const row of rows) io.out(keys.map((k, i) => cell(row[k]).padEnd(widths[i]!)).join('  ').trimEnd());
}

async function run(argv: string[], store: Store, io: Io): Promise<void> {
  const [noun, verb, ...rest] = argv;
  // Password changes and disabling end the user's sessions and revoke their API tokens.
  const admin = new AdminService(store, `cli:${os.userInfo().username}`, { apiTokens: apiTokenRevokerFor(store as SqliteStore) });
  const command = `${noun ?? ''} ${verb ?? ''}`.trim();
  // The SP registry (issue 4) lives in src/sp/spCommand.ts.
  if (noun === 'sp') return runSpCommand(verb, rest, { store: store as SqliteStore, actor: `cli:${os.userInfo().username}`, out: io.out, readStdin });
  // Second factor, directory mapping and key ring (issue 5) live in src/admin/consoleCommands.ts.
  if (await runConsoleCommand(command, rest, { store: store as SqliteStore, actor: `cli:${os.userInfo().username}`, out: io.out })) return;
  switch (command) {
    case 'user add': {
      const { values, args } = parse(rest, { email: { type: 'string' }, 'display-name': { type: 'string' }, admin: { type: 'boolean' }, 'password-stdin': { type: 'boolean' } }, 1);
      const password = await readNewPassword(values['password-stdin'] === true);
      const user = await admin.addUser({
        username: args[0]!,
        email: values.email as string | undefined,
        displayName: values['display-name'] as string | undefined,
        isAdmin: values.admin === true,
        password,
      });
      io.out(`created user ${user.username}${user.isAdmin ? ' (admin)' : ''}`);
      if (password === null) io.out(`no password set: run "sesame user passwd ${user.username}" before they can sign in`);
      return;
    }
    case 'user passwd': {
      const { values, args } = parse(rest, { 'password-stdin': { type: 'boolean' } }, 1);
      const password = await readNewPassword(values['password-stdin'] === true);
      if (password === null) throw new CliError('no terminal to prompt on: pass the password on standard input with --password-stdin');
      await admin.setPassword(args[0]!, password);
      io.out(`password changed for ${args[0]}`);
      return;
    }
    case 'user disable':
    case 'user enable': {
      const { args } = parse(rest, {}, 1);
      await admin.setDisabled(args[0]!, verb === 'disable');
      io.out(`${verb}d ${args[0]}`);
      return;
    }
    case 'user list': {
      const { values } = parse(rest, { json: { type: 'boolean' } }, 0);
      const users = (await store.listUsers()).map((u) => ({ username: u.username, displayName: u.displayName, email: u.email, admin: u.isAdmin, disabled: u.disabled, created: u.createdAt }));
      return values.json ? io.out(JSON.stringify(users, null, 2)) : table(users, io);
    }
    case 'group add': {
      const { values, args } = parse(rest, { description: { type: 'string' } }, 1);
      const group = await admin.addGroup(args[0]!, (values.description as string | undefined) ?? null);
      io.out(`created group ${group.name}`);
      return;
    }
    case 'group add-member':
    case 'group remove-member': {
      const { args } = parse(rest, {}, 2);
      const changed = verb === 'add-member' ? await admin.addMember(args[0]!, args[1]!) : await admin.removeMember(args[0]!, args[1]!);
      io.out(changed ? `${verb === 'add-member' ? 'added' : 'removed'} ${args[1]} ${verb === 'add-member' ? 'to' : 'from'} ${args[0]}` : 'nothing to change');
      return;
    }
    case 'group list': {
      const { values } = parse(rest, { json: { type: 'boolean' } }, 0);
      const groups = (await store.listGroups()).map((g) => ({ name: g.name, description: g.description, created: g.createdAt }));
      return values.json ? io.out(JSON.stringify(groups, null, 2)) : table(groups, io);
    }
    case 'grant add': {
      const { values } = parse(
        rest,
        { group: { type: 'string' }, 'role-arn': { type: 'string' }, 'provider-arn': { type: 'string' }, duration: { type: 'string' }, label: { type: 'string' } },
        0,
      );
      for (const required of ['group', 'role-arn', 'provider-arn']) {
        if (typeof values[required] !== 'string') throw new CliError(`grant add: --${required} is required\n\n${USAGE}`);
      }
      const grant = await admin.addGrant({
        group: values.group as string,
        roleArn: values['role-arn'] as string,
        providerArn: values['provider-arn'] as string,
        duration: values.duration as string | undefined,
        label: values.label as string | undefined,
      });
      io.out(`grant ${grant.id}: group ${grant.groupName} may assume ${grant.roleArn} via ${grant.providerArn}`);
      return;
    }
    case 'grant remove': {
      const { args } = parse(rest, {}, 1);
      if (!/^\d+$/.test(args[0]!)) throw new CliError(`grant remove: "${args[0]}" is not a grant id (see "sesame grant list")`);
      await admin.removeGrant(Number(args[0]));
      io.out(`removed grant ${args[0]}`);
      return;
    }
    case 'grant list': {
      const { values } = parse(rest, { json: { type: 'boolean' } }, 0);
      const grants = (await store.listRoleGrants()).map((g) => ({ id: g.id, group: g.groupName, roleArn: g.roleArn, providerArn: g.providerArn, duration: g.sessionDuration, label: g.label }));
      return values.json ? io.out(JSON.stringify(grants, null, 2)) : table(grants, io);
    }
    case 'audit list': {
      const { values } = parse(rest, { limit: { type: 'string' }, event: { type: 'string' }, json: { type: 'boolean' } }, 0);
      const limit = values.limit === undefined ? 50 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new CliError('--limit must be a positive whole number');
      const entries = await store.listAudit({ limit, event: values.event as string | undefined });
      if (values.json) return io.out(JSON.stringify(entries, null, 2));
      return table(entries.map((e) => ({ at: e.at, event: e.event, actor: e.actor, subject: e.subject, ip: e.clientIp, details: JSON.stringify(e.details) })), io);
    }
    default:
      throw new CliError(noun === undefined || noun === 'help' || noun === '--help' ? USAGE : `unknown command "${command}"\n\n${USAGE}`, noun === undefined ? 2 : noun === 'help' || noun === '--help' ? 0 : 2);
  }
}

/** Runs the `sesame` admin command; returns the process exit code. */
export async function sesameCli(argv: string[], env: NodeJS.ProcessEnv, io: Io = { out: (l) => process.stdout.write(l + '\n') }): Promise<number> {
  if (argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    io.out(USAGE);
    return 0;
  }
  // Neither needs the data directory: the doctor judges a response, the emulator plays AWS (issue 3).
  if (argv[0] === 'doctor') return runDoctor(argv.slice(1), io);
  if (argv[0] === 'sts-emulator') return runStsEmulatorCommand(argv.slice(1), env, io);
  let store: Store | null = null;
  try {
    store = SqliteStore.open(parseDataDir(env));
    await run(argv, store, io);
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`sesame: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof AdminInputError || error instanceof AccountInputError || error instanceof AwsRuleError || error instanceof StoreConflictError || SP_COMMAND_ERRORS.some((type) => error instanceof type)) {
      process.stderr.write(`sesame: ${(error as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`sesame: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await store?.close();
  }
}

if (require.main === module) {
  void sesameCli(process.argv.slice(2), process.env).then((code) => {
    process.exitCode = code;
  });
}
