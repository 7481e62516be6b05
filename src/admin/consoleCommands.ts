import { AdminInputError, AdminService } from './adminService';
import { MfaService } from '../auth/mfaService';
import { SqliteMfaStore } from '../store/sqliteMfaStore';
import { SqliteDirectoryStore } from '../store/sqliteDirectoryStore';
import { SqliteSigningKeyStore } from '../store/sqliteSigningKeyStore';
import { randomBytes } from 'node:crypto';
import type { SqliteStore } from '../store/sqliteStore';

export const CONSOLE_USAGE = `  user mfa-reset <name>
  group require-mfa <group> yes|no
  group map-directory <group> <directory group DN or name>
  group unmap-directory <group> <directory group DN or name>
  keys list [--json]`;

/**
 * The admin-console changes that must also work without the console: resetting the second factor
 * of an admin who lost their phone (they cannot reach the console), the MFA group policy, directory
 * group mapping, and a read-only view of the signing key ring (rollover itself is in the console).
 * Returns false for commands it does not know.
 */
export async function runConsoleCommand(
  command: string,
  args: string[],
  deps: { store: SqliteStore; actor: string; out: (line: string) => void },
): Promise<boolean> {
  const { store, actor, out } = deps;
  const expect = (count: number, usage: string) => {
    if (args.length !== count) throw new AdminInputError(`usage: sesame ${usage}`);
  };
  const mfa = async () =>
    new MfaService(new SqliteMfaStore(store.db), store, {
      issuer: 'Sesame',
      pepper: await store.getOrCreateSetting('mfa_pepper', () => randomBytes(32).toString('base64url')),
    });
  const admin = async () => new AdminService(store, actor, { mfa: await mfa(), directory: new SqliteDirectoryStore(store.db) });

  switch (command) {
    case 'user mfa-reset': {
      expect(1, 'user mfa-reset <name>');
      out((await (await admin()).resetSecondFactor(args[0]!)) ? `removed the second factor of ${args[0]}` : `${args[0]} had no second factor`);
      return true;
    }
    case 'group require-mfa': {
      expect(2, 'group require-mfa <group> yes|no');
      if (!/^(yes|no)$/.test(args[1]!)) throw new AdminInputError(`"${args[1]}" is not yes or no`);
      await (await admin()).setGroupMfaRequired(args[0]!, args[1] === 'yes');
      out(`${args[0]}: second factor ${args[1] === 'yes' ? 'required' : 'not required'}`);
      return true;
    }
    case 'group map-directory':
    case 'group unmap-directory': {
      const verb = command.split(' ')[1]!;
      expect(2, `group ${verb} <group> <directory group>`);
      const service = await admin();
      const changed = verb === 'map-directory' ? await service.mapDirectoryGroup(args[0]!, args[1]!) : await service.unmapDirectoryGroup(args[0]!, args[1]!);
      out(changed ? `${verb === 'map-directory' ? 'mapped' : 'unmapped'} ${args[1]} ${verb === 'map-directory' ? 'to' : 'from'} ${args[0]}` : 'nothing to change');
      return true;
    }
    case 'keys list': {
      const json = args.length === 1 && args[0] === '--json';
      if (args.length > 1 || (args.length === 1 && !json)) throw new AdminInputError('usage: sesame keys list [--json]');
      const keys = (await new SqliteSigningKeyStore(store.db).listSigningKeys()).map((k) => ({
        id: k.id,
        state: k.state,
        notAfter: k.notAfter,
        activatedAt: k.activatedAt,
        retiredAt: k.retiredAt,
        certificate: k.certPath,
      }));
      if (json) out(JSON.stringify(keys, null, 2));
      else if (keys.length === 0) out('(no keys yet: Sesame creates the ring at its first start)');
      else for (const k of keys) out(`${k.id}  ${k.state.padEnd(8)}  valid until ${k.notAfter}  ${k.certificate}`);
      return true;
    }
    default:
      return false;
  }
}
