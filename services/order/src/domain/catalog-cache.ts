/**
 * The catalog replica as orders read it: each store's row, kept in memory for
 * a second. A catalog event handled here drops its store at once; one handled
 * by another replica of the service is seen within the second. The replica is
 * fed by events, so it always trails the store service a little anyway.
 */
import type { MikroORM } from '@mikro-orm/mysql';
import { CatalogStore, type CatalogItem } from '../entities/catalog.ts';

export interface CatalogSnapshot {
  readonly storeId: string;
  readonly name: string;
  readonly open: boolean;
  readonly lat: number;
  readonly lng: number;
  readonly items: readonly CatalogItem[];
}

export const CATALOG_CACHE_TTL_MS = 1000;

export class CatalogCache {
  private readonly orm: MikroORM;
  private readonly ttlMs: number;
  private readonly entries = new Map<string, { value: CatalogSnapshot; until: number }>();
  /** Bumped by every invalidation: a read that started before one is not kept. */
  private generation = 0;

  constructor(orm: MikroORM, ttlMs = CATALOG_CACHE_TTL_MS) {
    this.orm = orm;
    this.ttlMs = ttlMs;
  }

  /** The store's catalog, or null when the replica has no such store. */
  async get(storeId: string): Promise<CatalogSnapshot | null> {
    const now = Date.now();
    const hit = this.entries.get(storeId);
    if (hit && hit.until > now) return hit.value;
    const generation = this.generation;
    const row = await this.orm.em.fork().findOne(CatalogStore, { storeId });
    if (!row) {
      this.entries.delete(storeId);
      return null;
    }
    const value: CatalogSnapshot = {
      storeId: row.storeId,
      name: row.name,
      open: row.open,
      lat: row.lat,
      lng: row.lng,
      items: row.items,
    };
    // Only stores that exist are kept, so the map is as large as the catalog.
    if (generation === this.generation) this.entries.set(storeId, { value, until: now + this.ttlMs });
    return value;
  }

  /** Called after a catalog change of the store was committed. */
  invalidate(storeId: string): void {
    this.generation++;
    this.entries.delete(storeId);
  }
}
