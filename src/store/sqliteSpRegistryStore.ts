import type Database from 'better-sqlite3';
import { StoreConflictError } from './store';
import type { NewServiceProvider, SpRegistryStore } from './spRegistryStore';
import type { ServiceProvider, SpMetadataFacts, SpSettings } from '../sp/serviceProvider';

interface SpRow {
  id: number;
  entity_id: string;
  facts: string;
  settings: string;
  source: 'metadata' | 'config';
  metadata_xml: string | null;
  created_at: string;
  updated_at: string;
}

const toSp = (row: SpRow): ServiceProvider => ({
  ...(JSON.parse(row.facts) as SpMetadataFacts),
  entityId: row.entity_id,
  id: row.id,
  settings: JSON.parse(row.settings) as SpSettings,
  source: row.source,
  metadataXml: row.metadata_xml,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** The SP registry in the SQLite store (constructed from SqliteStore.db). Metadata facts and settings are JSON columns. */
export class SqliteSpRegistryStore implements SpRegistryStore {
  private readonly stmt;

  constructor(db: Database.Database) {
    this.stmt = {
      insert: db.prepare(
        `INSERT INTO service_providers (entity_id, facts, settings, source, metadata_xml, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      byId: db.prepare(`SELECT * FROM service_providers WHERE id = ?`),
      byEntityId: db.prepare(`SELECT * FROM service_providers WHERE entity_id = ?`),
      all: db.prepare(`SELECT * FROM service_providers ORDER BY entity_id`),
      remove: db.prepare(`DELETE FROM service_providers WHERE id = ?`),
      update: db.prepare(`UPDATE service_providers SET facts = ?, settings = ?, metadata_xml = ?, updated_at = ? WHERE id = ?`),
    };
  }

  async addServiceProvider(sp: NewServiceProvider): Promise<ServiceProvider> {
    const now = new Date().toISOString();
    try {
      const info = this.stmt.insert.run(sp.facts.entityId, JSON.stringify(sp.facts), JSON.stringify(sp.settings), sp.source, sp.metadataXml, now, now);
      return toSp(this.stmt.byId.get(info.lastInsertRowid) as SpRow);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new StoreConflictError(`a service provider with entityID "${sp.facts.entityId}" is already registered`);
      throw error;
    }
  }

  async updateServiceProvider(id: number, change: { facts?: SpMetadataFacts; settings?: SpSettings; metadataXml?: string | null }): Promise<ServiceProvider | null> {
    const row = this.stmt.byId.get(id) as SpRow | undefined;
    if (!row) return null;
    if (change.facts && change.facts.entityId !== row.entity_id) throw new Error('the entityID of a registered SP cannot change');
    this.stmt.update.run(
      change.facts ? JSON.stringify(change.facts) : row.facts,
      change.settings ? JSON.stringify(change.settings) : row.settings,
      change.metadataXml !== undefined ? change.metadataXml : row.metadata_xml,
      new Date().toISOString(),
      id,
    );
    return toSp(this.stmt.byId.get(id) as SpRow);
  }

  async findServiceProviderByEntityId(entityId: string): Promise<ServiceProvider | null> {
    const row = this.stmt.byEntityId.get(entityId) as SpRow | undefined;
    return row ? toSp(row) : null;
  }

  async findServiceProviderById(id: number): Promise<ServiceProvider | null> {
    const row = this.stmt.byId.get(id) as SpRow | undefined;
    return row ? toSp(row) : null;
  }

  async listServiceProviders(): Promise<ServiceProvider[]> {
    return (this.stmt.all.all() as SpRow[]).map(toSp);
  }

  async removeServiceProvider(id: number): Promise<boolean> {
    return this.stmt.remove.run(id).changes > 0;
  }
}
