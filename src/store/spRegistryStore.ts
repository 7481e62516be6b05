import type { ServiceProvider, SpMetadataFacts, SpSettings } from '../sp/serviceProvider';

export interface NewServiceProvider {
  facts: SpMetadataFacts;
  settings: SpSettings;
  source: 'metadata' | 'config';
  metadataXml: string | null;
}

/** Storage of the SP registry. Conflicts (a second SP with the same entityID) raise StoreConflictError. */
export interface SpRegistryStore {
  addServiceProvider(sp: NewServiceProvider): Promise<ServiceProvider>;
  /** Replaces what is given; returns null when no SP has that id. */
  updateServiceProvider(id: number, change: { facts?: SpMetadataFacts; settings?: SpSettings; metadataXml?: string | null }): Promise<ServiceProvider | null>;
  findServiceProviderByEntityId(entityId: string): Promise<ServiceProvider | null>;
  findServiceProviderById(id: number): Promise<ServiceProvider | null>;
  listServiceProviders(): Promise<ServiceProvider[]>;
  removeServiceProvider(id: number): Promise<boolean>;
}
