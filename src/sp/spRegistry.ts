import { parseSpMetadata } from '../saml/spMetadata';
import type { Store } from '../store/store';
import type { SpRegistryStore } from '../store/spRegistryStore';
import { applySettingChanges, checkMetadataSp, checkSettings, CONFIG_ENTRY_SETTINGS, defaultSettings, SpSettingError, type SettingName } from './spSettings';
import type { ServiceProvider, SpMetadataFacts, SpSettings } from './serviceProvider';

/** Something about an SP registration an admin must change; the message says what. */
export class SpRegistryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpRegistryError';
  }
}

/**
 * Every change to the SP registry, validated and audited with its actor: register from metadata,
 * re-import metadata (settings kept), change per-SP settings, remove. The `sesame sp` command is a
 * front end over it, and the admin console can be too.
 */
export class SpRegistry {
  constructor(
    private readonly store: Store,
    private readonly sps: SpRegistryStore,
    private readonly actor: string,
  ) {}

  private audit(event: string, entityId: string, details: Record<string, unknown>) {
    return this.store.appendAudit({ event, actor: this.actor, subject: entityId, details });
  }

  async get(entityId: string): Promise<ServiceProvider> {
    const sp = await this.sps.findServiceProviderByEntityId(entityId);
    if (!sp) throw new SpRegistryError(`no service provider with entityID "${entityId}" is registered (see "sesame sp list")`);
    return sp;
  }

  list(): Promise<ServiceProvider[]> {
    return this.sps.listServiceProviders();
  }

  private async checkGroups(settings: SpSettings): Promise<void> {
    for (const name of settings.allowedGroups) {
      if (!(await this.store.findGroupByName(name))) throw new SpSettingError(`groups: no group named "${name}"`);
    }
  }

  /**
   * An SP's identity must be its own: neither its entityID nor its Audience may be another SP's
   * entityID or Audience, or that SP's assertions (persistent NameIDs, attributes) would be
   * accepted by the other. `self` is the SP being changed (null when registering).
   */
  private async checkIdentity(facts: SpMetadataFacts, settings: SpSettings, self: number | null): Promise<void> {
    const mine = new Set([facts.entityId, settings.audience ?? facts.entityId]);
    for (const other of await this.sps.listServiceProviders()) {
      if (other.id === self) continue;
      if (other.entityId === facts.entityId) continue; // the store refuses a second registration with its own message
      for (const taken of [other.entityId, other.settings.audience ?? other.entityId]) {
        if (mine.has(taken)) {
          throw new SpSettingError(`"${taken.slice(0, 200)}" is already the entityID or audience of ${other.settings.displayName} (${other.entityId.slice(0, 200)}); an SP's entityID and audience must be its own`);
        }
      }
    }
  }

  /** Every check an SP registered from metadata must pass, whatever changed. */
  private async checkMetadataEntry(facts: SpMetadataFacts, settings: SpSettings, self: number | null): Promise<SpSettings> {
    checkSettings(facts, settings);
    checkMetadataSp(facts, settings);
    await this.checkIdentity(facts, settings, self);
    await this.checkGroups(settings);
    return settings;
  }

  /** Registers an SP from its metadata; `changes` are settings to apply over the metadata-derived defaults. */
  async register(metadataXml: string, changes: Partial<Record<SettingName, string>> = {}): Promise<ServiceProvider> {
    const facts = parseSpMetadata(metadataXml);
    const settings = await this.checkMetadataEntry(facts, applySettingChanges(defaultSettings(facts), changes), null);
    const sp = await this.sps.addServiceProvider({ facts, settings, source: 'metadata', metadataXml });
    await this.audit('admin.sp.add', sp.entityId, { acs: sp.acs.map((e) => e.location), slo: sp.slo.length, signingKeys: sp.signingCertificates.length, encryptionKeys: sp.encryptionCertificates.length, settings });
    return sp;
  }

  /** Replaces an SP's metadata (new certificates, endpoints), keeping its settings; the entityID must match. */
  async updateMetadata(metadataXml: string): Promise<ServiceProvider> {
    const facts = parseSpMetadata(metadataXml);
    const existing = await this.get(facts.entityId);
    if (existing.source === 'config') throw new SpRegistryError(`"${facts.entityId}" is kept in step with Sesame's configuration; change the configuration instead`);
    let settings = existing.settings;
    // An encryption key that disappeared from the metadata cannot be used any more.
    if (settings.encryptAssertion && facts.encryptionCertificates.length === 0) settings = { ...settings, encryptAssertion: false };
    await this.checkMetadataEntry(facts, settings, existing.id);
    const sp = (await this.sps.updateServiceProvider(existing.id, { facts, settings, metadataXml }))!;
    await this.audit('admin.sp.metadata', sp.entityId, { acs: sp.acs.map((e) => e.location), slo: sp.slo.length, signingKeys: sp.signingCertificates.length, encryptionKeys: sp.encryptionCertificates.length });
    return sp;
  }

  async configure(entityId: string, changes: Partial<Record<SettingName, string>>): Promise<ServiceProvider> {
    const existing = await this.get(entityId);
    let settings: SpSettings;
    if (existing.source === 'config') {
      // The AWS console entries: /aws/sso, the API and ECP honour only these; the rest follows the configuration.
      const ignored = Object.keys(changes).filter((name) => !(CONFIG_ENTRY_SETTINGS as readonly string[]).includes(name));
      if (ignored.length > 0) {
        throw new SpSettingError(
          `${ignored.join(', ')}: not used for "${entityId}" (${existing.settings.displayName}), which Sesame's configuration defines (SESAME_AWS_*, SESAME_SIGN_RESPONSE, SESAME_ASSERTION_LIFETIME_SECONDS); only ${CONFIG_ENTRY_SETTINGS.join(', ')} can be set here`,
        );
      }
      settings = checkSettings(existing, applySettingChanges(existing.settings, changes));
      await this.checkGroups(settings);
    } else {
      settings = await this.checkMetadataEntry(existing, applySettingChanges(existing.settings, changes), existing.id);
    }
    const sp = (await this.sps.updateServiceProvider(existing.id, { settings }))!;
    await this.audit('admin.sp.settings', sp.entityId, { changes });
    return sp;
  }

  async remove(entityId: string): Promise<void> {
    const existing = await this.get(entityId);
    if (existing.source === 'config') throw new SpRegistryError(`"${entityId}" is kept in step with Sesame's configuration and cannot be removed`);
    await this.sps.removeServiceProvider(existing.id);
    await this.audit('admin.sp.remove', entityId, {});
  }

  /**
   * Creates or refreshes an SP that Sesame's configuration defines (the AWS console): the facts
   * follow the configuration on every start; settings are created once and then left to the admin,
   * except those `forced` by configuration.
   */
  async ensureConfigured(facts: SpMetadataFacts, initial: SpSettings, forced: Partial<SpSettings>): Promise<ServiceProvider> {
    const existing = await this.sps.findServiceProviderByEntityId(facts.entityId);
    if (!existing) {
      const settings = checkSettings(facts, { ...initial, ...forced });
      return this.sps.addServiceProvider({ facts, settings, source: 'config', metadataXml: null });
    }
    const settings = checkSettings(facts, { ...existing.settings, ...forced });
    return (await this.sps.updateServiceProvider(existing.id, { facts, settings }))!;
  }
}

export { SpSettingError };
