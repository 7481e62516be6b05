import { parseSpMetadata } from '../saml/spMetadata';
import type { Store } from '../store/store';
import type { SpRegistryStore } from '../store/spRegistryStore';
import { applySettingChanges, checkSettings, defaultSettings, SpSettingError, type SettingName } from './spSettings';
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

  /** Registers an SP from its metadata; `changes` are settings to apply over the metadata-derived defaults. */
  async register(metadataXml: string, changes: Partial<Record<SettingName, string>> = {}): Promise<ServiceProvider> {
    const facts = parseSpMetadata(metadataXml);
    const settings = checkSettings(facts, applySettingChanges(defaultSettings(facts), changes));
    await this.checkGroups(settings);
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
    checkSettings(facts, settings);
    const sp = (await this.sps.updateServiceProvider(existing.id, { facts, settings, metadataXml }))!;
    await this.audit('admin.sp.metadata', sp.entityId, { acs: sp.acs.map((e) => e.location), slo: sp.slo.length, signingKeys: sp.signingCertificates.length, encryptionKeys: sp.encryptionCertificates.length });
    return sp;
  }

  async configure(entityId: string, changes: Partial<Record<SettingName, string>>): Promise<ServiceProvider> {
    const existing = await this.get(entityId);
    const settings = checkSettings(existing, applySettingChanges(existing.settings, changes));
    await this.checkGroups(settings);
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
