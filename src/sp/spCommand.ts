import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { SqliteStore } from '../store/sqliteStore';
import { SqliteSpRegistryStore } from '../store/sqliteSpRegistryStore';
import { SETTING_NAMES, SpSettingError, type SettingName } from './spSettings';
import { SpRegistry, SpRegistryError } from './spRegistry';
import { SpMetadataError } from '../saml/spMetadata';
import type { ServiceProvider } from './serviceProvider';

export const SP_USAGE = `  sp add --metadata FILE|- [--<setting> VALUE …]
  sp update --metadata FILE|-
  sp set <entityID> --<setting> VALUE [--<setting> VALUE …]
  sp show <entityID> [--json]
  sp list [--json]
  sp remove <entityID>
      settings: --name N, --nameid persistent|transient|email|username, --release uid,mail,…,
      --sign-response yes|no, --sign-assertion yes|no, --encrypt yes|no, --groups g1,g2 (empty: everyone),
      --require-signed-requests yes|no, --allow-sha1 yes|no, --audience URI, --launch-relay-state URL,
      --lifetime SECONDS, --allow-http-acs yes|no (plain-http ACS off loopback)
      AWS console entries ([config]) take only --name, --release and --groups`;

/** An SP command the admin must fix (bad metadata, setting, or unknown SP). */
export class SpCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpCommandError';
  }
}

export const SP_COMMAND_ERRORS = [SpCommandError, SpRegistryError, SpSettingError, SpMetadataError] as const;

const SETTING_OPTIONS = Object.fromEntries(SETTING_NAMES.map((name) => [name, { type: 'string' as const }]));

function readMetadata(file: string, readStdin: () => Promise<string>): Promise<string> {
  if (file === '-') return readStdin();
  try {
    return Promise.resolve(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new SpCommandError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

function summary(sp: ServiceProvider) {
  return {
    entityId: sp.entityId,
    name: sp.settings.displayName,
    source: sp.source,
    acs: sp.acs.map((e) => `${e.index ?? '-'}${e.isDefault ? '*' : ''} ${e.location}`),
    slo: sp.slo.map((e) => `${e.binding.replace('urn:oasis:names:tc:SAML:2.0:bindings:', '')} ${e.location}`),
    signingKeys: sp.signingCertificates.length,
    encryptionKeys: sp.encryptionCertificates.length,
    authnRequestsSigned: sp.authnRequestsSigned,
    wantAssertionsSigned: sp.wantAssertionsSigned,
    nameId: sp.settings.nameId,
    release: sp.settings.attributeRelease,
    signResponse: sp.settings.signResponse,
    signAssertion: sp.settings.signAssertion,
    encrypt: sp.settings.encryptAssertion,
    groups: sp.settings.allowedGroups,
    requireSignedRequests: sp.settings.requireSignedRequests,
    allowSha1: sp.settings.allowSha1,
    audience: sp.settings.audience ?? sp.entityId,
    launchRelayState: sp.settings.launchRelayState,
    lifetime: sp.settings.assertionLifetimeSeconds,
    allowHttpAcs: sp.settings.allowHttpAcs === true,
  };
}

/** `sesame sp …`: the SP registry from the command line, over SpRegistry (validated, audited with the actor). */
export async function runSpCommand(
  verb: string | undefined,
  argv: string[],
  deps: { store: SqliteStore; actor: string; out: (line: string) => void; readStdin: () => Promise<string> },
): Promise<void> {
  const registry = new SpRegistry(deps.store, new SqliteSpRegistryStore(deps.store.db), deps.actor);
  const parse = (extra: Record<string, { type: 'string' | 'boolean' }>, positionals: number) => {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: { ...SETTING_OPTIONS, ...extra }, allowPositionals: true, strict: true });
    } catch (error) {
      throw new SpCommandError(`${(error as Error).message}\n\n${SP_USAGE}`);
    }
    if (parsed.positionals.length !== positionals) throw new SpCommandError(`sp ${verb}: expected ${positionals} argument(s)\n\n${SP_USAGE}`);
    const values = parsed.values as Record<string, string | boolean | undefined>;
    const changes: Partial<Record<SettingName, string>> = {};
    for (const name of SETTING_NAMES) if (typeof values[name] === 'string') changes[name] = values[name] as string;
    return { values, args: parsed.positionals, changes };
  };
  switch (verb) {
    case 'add': {
      const { values, changes } = parse({ metadata: { type: 'string' } }, 0);
      if (typeof values.metadata !== 'string') throw new SpCommandError(`sp add: --metadata FILE is required (or --metadata - to paste it)\n\n${SP_USAGE}`);
      const sp = await registry.register(await readMetadata(values.metadata, deps.readStdin), changes);
      deps.out(`registered ${sp.entityId} (id ${sp.id}): ${sp.acs.length} ACS, ${sp.slo.length} SLO endpoint(s), ${sp.signingCertificates.length} signing and ${sp.encryptionCertificates.length} encryption certificate(s); encrypt=${sp.settings.encryptAssertion ? 'yes' : 'no'}, nameid=${sp.settings.nameId}`);
      for (const acs of sp.acs) if (acs.location.startsWith('http:')) deps.out(`warning: ACS ${acs.location} is plain HTTP: assertions to it travel unencrypted`);
      return;
    }
    case 'update': {
      const { values } = parse({ metadata: { type: 'string' } }, 0);
      if (typeof values.metadata !== 'string') throw new SpCommandError(`sp update: --metadata FILE is required\n\n${SP_USAGE}`);
      const sp = await registry.updateMetadata(await readMetadata(values.metadata, deps.readStdin));
      deps.out(`updated the metadata of ${sp.entityId}; settings kept`);
      return;
    }
    case 'set': {
      const { args, changes } = parse({}, 1);
      if (Object.keys(changes).length === 0) throw new SpCommandError(`sp set: name at least one setting\n\n${SP_USAGE}`);
      const sp = await registry.configure(args[0]!, changes);
      deps.out(`updated ${sp.entityId}: ${Object.keys(changes).join(', ')}`);
      return;
    }
    case 'show': {
      const { args } = parse({ json: { type: 'boolean' } }, 1);
      deps.out(JSON.stringify(summary(await registry.get(args[0]!)), null, 2));
      return;
    }
    case 'list': {
      const { values } = parse({ json: { type: 'boolean' } }, 0);
      const sps = (await registry.list()).map(summary);
      if (values.json) return deps.out(JSON.stringify(sps, null, 2));
      if (sps.length === 0) return deps.out('(none)');
      for (const sp of sps) deps.out(`${sp.entityId}  ${sp.name}  [${sp.source}] nameid=${sp.nameId} encrypt=${sp.encrypt ? 'yes' : 'no'} release=${sp.release.join(',')}${sp.groups.length ? ` groups=${sp.groups.join(',')}` : ''}`);
      return;
    }
    case 'remove': {
      const { args } = parse({}, 1);
      await registry.remove(args[0]!);
      deps.out(`removed ${args[0]}`);
      return;
    }
    default:
      throw new SpCommandError(`unknown command "sp ${verb ?? ''}"\n\n${SP_USAGE}`);
  }
}
