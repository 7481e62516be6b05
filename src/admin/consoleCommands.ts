import { AdminInputError, AdminService, type ApiTokenRevoker } from './adminService';
import { SqliteApiTokenStore } from '../store/sqliteApiTokenStore';
import { MfaService } from '../auth/mfaService';
import { SqliteMfaStore } from '../store/sqliteMfaStore';
import { SqliteDirectoryStore } from '../store/sqliteDirectoryStore';
import { SqliteSigningKeyStore } from '../store/sqliteSigningKeyStore';
import { randomBytes } from 'node:crypto';
import type { SqliteStore } from '../store/sqliteStore';

export const CONSOLE_USAGE = `  user mfa-reset <name>
  user mfa-enrol-code <name>
  user unlink-directory <name>
  group require-mfa <group> yes|no
  group map-directory <group> <directory group DN or name>
  group unmap-directory <group> <directory group DN or name>
  keys list [--json]`;

/** The CLI's way to revoke a user's API tokens: straight in the database the server shares. */
export function apiTokenRevokerFor(store: SqliteStore): ApiTokenRevoker {
  const tokens = new SqliteApiTokenStore(store.db);
  return { revokeAllOf: (userId) => tokens.revokeApiTokensOfUser(userId, Date.now()) };
}

/**
 * The admin-console changes that must also work without the console: resetting the second factor
 * of an admin who lost their phone (they cannot reach the console), enrolment codes, the MFA group
 * policy, directory group mapping and re-linking, and a read-only view of the signing key ring
 * (rollover itself is in the console).
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
  const admin = async () =>
    new AdminService(store, actor, { mfa: await mfa(), directory: new SqliteDirectoryStore(store.db), apiTokens: apiTokenRevokerFor(store) });

  switch (command) {
    case 'user mfa-reset': {
      expect(1, 'user mfa-reset <name>');
      out((await (await admin()).resetSecondFactor(args[0]!)) ? `removed the second factor of ${args[0]}` : `${args[0]} had no second factor`);
      return true;
    }
    case 'user mfa-enrol-code': {
      expect(1, 'user mfa-enrol-code <name>');
      const issued = await (await admin()).issueMfaEnrolmentCode(args[0]!);
      out(`enrolment code for ${issued.username}: ${issued.code}`);
      out(`valid once, until ${issued.expiresAt.toISOString()}; give it to them in person or by phone, not by email`);
      if (issued.alreadyEnrolled) out(`note: ${issued.username} already has a second factor; the code is only asked for when they set one up at sign-in (after "sesame user mfa-reset")`);
      return true;
    }
    case 'user unlink-directory': {
      expect(1, 'user unlink-directory <name>');
      await (await admin()).unlinkDirectoryAccount(args[0]!);
      out(`unlinked ${args[0]} from its directory entry; sessions and API tokens ended; the next directory sign-in as ${args[0]} links it again`);
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
      if (verb === 'map-directory') {
        const { added, warning } = await service.mapDirectoryGroup(args[0]!, args[1]!);
        out(added ? `mapped ${args[1]} to ${args[0]}` : 'nothing to change');
        if (warning) out(`warning: ${warning}`);
      } else {
        out((await service.unmapDirectoryGroup(args[0]!, args[1]!)) ? `unmapped ${args[1]} from ${args[0]}` : 'nothing to change');
      }
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
