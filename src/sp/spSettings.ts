import { NAMEID_EMAIL, NAMEID_PERSISTENT, NAMEID_TRANSIENT, NAMEID_UNSPECIFIED } from '../saml/types';
import { isKnownMapper, ATTRIBUTE_MAPPERS } from './release/attributeMappers';
import { DEFAULT_ASSERTION_LIFETIME_SECONDS, DEFAULT_RELEASE, type NameIdKind, type SpMetadataFacts, type SpSettings } from './serviceProvider';

/** A per-SP setting an admin got wrong; the message names the setting and the fix. */
export class SpSettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpSettingError';
  }
}

export const NAMEID_FORMAT_OF: Readonly<Record<NameIdKind, string>> = {
  persistent: NAMEID_PERSISTENT,
  transient: NAMEID_TRANSIENT,
  email: NAMEID_EMAIL,
  username: NAMEID_UNSPECIFIED,
};

const KIND_OF_FORMAT: Readonly<Record<string, NameIdKind>> = {
  [NAMEID_PERSISTENT]: 'persistent',
  [NAMEID_TRANSIENT]: 'transient',
  [NAMEID_EMAIL]: 'email',
};

/** Settings for a newly registered SP, taken from what its metadata asks for. */
export function defaultSettings(facts: SpMetadataFacts): SpSettings {
  const preferred = facts.nameIdFormats.map((f) => KIND_OF_FORMAT[f]).find((k) => k !== undefined);
  return {
    displayName: facts.entityId.length <= 128 ? facts.entityId : facts.entityId.slice(0, 128),
    nameId: preferred ?? 'persistent',
    attributeRelease: [...DEFAULT_RELEASE],
    signResponse: true,
    signAssertion: true,
    encryptAssertion: facts.encryptionCertificates.length > 0,
    allowedGroups: [],
    requireSignedRequests: false,
    allowSha1: false,
    audience: null,
    launchRelayState: null,
    assertionLifetimeSeconds: DEFAULT_ASSERTION_LIFETIME_SECONDS,
  };
}

/** Checks a complete settings object against the SP's metadata; returns it unchanged when consistent. */
export function checkSettings(facts: SpMetadataFacts, settings: SpSettings): SpSettings {
  if (!/^[^\u0000-\u001f\u007f]{1,128}$/.test(settings.displayName)) throw new SpSettingError('name: 1–128 printable characters');
  if (!(settings.nameId in NAMEID_FORMAT_OF)) throw new SpSettingError(`nameid: "${settings.nameId}" is not one of ${Object.keys(NAMEID_FORMAT_OF).join(', ')}`);
  for (const name of settings.attributeRelease) {
    if (!isKnownMapper(name)) throw new SpSettingError(`release: unknown attribute mapper "${name}"; known: ${Object.keys(ATTRIBUTE_MAPPERS).join(', ')}`);
  }
  if (new Set(settings.attributeRelease).size !== settings.attributeRelease.length) throw new SpSettingError('release: a mapper is listed twice');
  if (!settings.signAssertion && !settings.signResponse) throw new SpSettingError('sign-response and sign-assertion cannot both be off: an unsigned assertion proves nothing');
  if (!settings.signAssertion && facts.wantAssertionsSigned) throw new SpSettingError('sign-assertion: the SP metadata says WantAssertionsSigned="true"');
  if (settings.encryptAssertion && facts.encryptionCertificates.length === 0) {
    throw new SpSettingError('encrypt: the SP metadata has no encryption certificate (KeyDescriptor use="encryption"); upload metadata that has one');
  }
  if (settings.audience !== null && (settings.audience.length > 1024 || !/^[\x21-\x7e]+$/.test(settings.audience))) throw new SpSettingError('audience: a URI without spaces, at most 1024 characters');
  if (settings.launchRelayState !== null && (settings.launchRelayState.length > 1024 || /[\u0000-\u001f\u007f]/.test(settings.launchRelayState))) {
    throw new SpSettingError('launch-relay-state: at most 1024 printable characters');
  }
  if (!Number.isInteger(settings.assertionLifetimeSeconds) || settings.assertionLifetimeSeconds < 60 || settings.assertionLifetimeSeconds > 3600) {
    throw new SpSettingError('lifetime: 60–3600 seconds');
  }
  return settings;
}

function yesNo(name: string, raw: string): boolean {
  if (/^(yes|true|on|1)$/i.test(raw)) return true;
  if (/^(no|false|off|0)$/i.test(raw)) return false;
  throw new SpSettingError(`${name}: "${raw}" is not yes or no`);
}

function list(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/** The names `sesame sp set` (and the admin console) accept, each with how it changes the settings. */
export const SETTING_NAMES = [
  'name', 'nameid', 'release', 'sign-response', 'sign-assertion', 'encrypt', 'groups',
  'require-signed-requests', 'allow-sha1', 'audience', 'launch-relay-state', 'lifetime',
] as const;
export type SettingName = (typeof SETTING_NAMES)[number];

/** Applies textual changes ({"encrypt": "yes", "release": "uid,mail"}) to settings; the result still needs checkSettings. */
export function applySettingChanges(settings: SpSettings, changes: Partial<Record<SettingName, string>>): SpSettings {
  const next: SpSettings = { ...settings, attributeRelease: [...settings.attributeRelease], allowedGroups: [...settings.allowedGroups] };
  for (const [name, raw] of Object.entries(changes) as Array<[SettingName, string | undefined]>) {
    if (raw === undefined) continue;
    switch (name) {
      case 'name': next.displayName = raw.trim(); break;
      case 'nameid': next.nameId = raw.trim() as NameIdKind; break;
      case 'release': next.attributeRelease = list(raw); break;
      case 'sign-response': next.signResponse = yesNo(name, raw); break;
      case 'sign-assertion': next.signAssertion = yesNo(name, raw); break;
      case 'encrypt': next.encryptAssertion = yesNo(name, raw); break;
      case 'groups': next.allowedGroups = list(raw); break;
      case 'require-signed-requests': next.requireSignedRequests = yesNo(name, raw); break;
      case 'allow-sha1': next.allowSha1 = yesNo(name, raw); break;
      case 'audience': next.audience = raw.trim() === '' ? null : raw.trim(); break;
      case 'launch-relay-state': next.launchRelayState = raw === '' ? null : raw; break;
      case 'lifetime':
        if (!/^\d{1,6}$/.test(raw.trim())) throw new SpSettingError(`lifetime: "${raw}" is not a number of seconds`);
        next.assertionLifetimeSeconds = Number(raw.trim());
        break;
      default:
        throw new SpSettingError(`unknown setting "${name as string}"; known: ${SETTING_NAMES.join(', ')}`);
    }
  }
  return next;
}
