import { NAMEID_EMAIL, NAMEID_PERSISTENT, NAMEID_TRANSIENT, NAMEID_UNSPECIFIED } from '../saml/types';
import { isAwsAudienceLike, isAwsSigninHostUrl } from '../aws/awsRelyingParty';
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

/**
 * Settings for a newly registered SP. The NameID is persistent (opaque) until an admin chooses
 * otherwise, whatever the metadata lists: an e-mail NameID identifies the user to the SP and is
 * only as unique as the addresses in Sesame, so it is never picked for the admin.
 */
export function defaultSettings(facts: SpMetadataFacts): SpSettings {
  return {
    displayName: facts.entityId.length <= 128 ? facts.entityId : facts.entityId.slice(0, 128),
    nameId: 'persistent',
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
    allowHttpAcs: false,
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

/** Whether an ACS URL is on this machine (tests, a local SP): plain http cannot be sniffed there. */
function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '[::1]';
}

/**
 * What only an SP registered from metadata must satisfy, on top of checkSettings (the AWS console
 * entries are made by Sesame itself): it must not be able to receive an assertion AWS would accept
 * (entityID, Audience or ACS that AWS owns, the AWS attribute mappers), and its ACS must be https
 * unless on loopback or the admin set allow-http-acs.
 */
export function checkMetadataSp(facts: SpMetadataFacts, settings: SpSettings): void {
  if (isAwsAudienceLike(facts.entityId)) {
    throw new SpSettingError(`entityID "${facts.entityId.slice(0, 200)}" is an identifier AWS accepts as its own audience; only the built-in AWS console entries may use it`);
  }
  if (settings.audience !== null && isAwsAudienceLike(settings.audience)) {
    throw new SpSettingError(`audience: "${settings.audience.slice(0, 200)}" is an audience AWS accepts; an assertion for it would sign its holder in to AWS`);
  }
  for (const endpoint of facts.acs) {
    if (isAwsSigninHostUrl(endpoint.location)) {
      throw new SpSettingError(`the ACS ${endpoint.location.slice(0, 200)} is an AWS sign-in endpoint; AWS is reached through the built-in AWS console entries and roles, not a registered SP`);
    }
  }
  const awsMappers = settings.attributeRelease.filter((name) => name.startsWith('aws:'));
  if (awsMappers.length > 0) {
    throw new SpSettingError(`release: ${awsMappers.join(', ')} release AWS roles and belong to the AWS console entries only`);
  }
  if (!settings.allowHttpAcs) {
    for (const endpoint of facts.acs) {
      const url = new URL(endpoint.location);
      if (url.protocol === 'http:' && !isLoopbackUrl(url)) {
        throw new SpSettingError(
          `the ACS ${endpoint.location.slice(0, 200)} is plain http: assertions to it would cross the network unencrypted. Use https, or set allow-http-acs yes (sesame sp add … --allow-http-acs yes) if you accept that`,
        );
      }
    }
  }
}

/** What an AWS console entry honours: the rest is decided by Sesame's configuration or does not apply to AWS. */
export const CONFIG_ENTRY_SETTINGS: readonly SettingName[] = ['name', 'release', 'groups'];

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
  'require-signed-requests', 'allow-sha1', 'audience', 'launch-relay-state', 'lifetime', 'allow-http-acs',
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
      case 'allow-http-acs': next.allowHttpAcs = yesNo(name, raw); break;
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
