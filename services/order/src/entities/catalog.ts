import { defineEntity, p, type InferEntity } from '@mikro-orm/mysql';

export interface CatalogItem {
  id: string;
  name: string;
  unitPrice: number;
}

/**
 * The order service's replica of each store's catalog, fed by
 * StoreCatalogPublished events: orders are priced here, so they are taken
 * even while the store service is down.
 */
export const CatalogStore = defineEntity({
  name: 'CatalogStore',
  tableName: 'catalog_store',
  properties: {
    storeId: p.uuid().primary(),
    name: p.string().length(200),
    lat: p.float().columnType('double'),
    lng: p.float().columnType('double'),
    open: p.boolean(),
    revision: p.integer(),
    items: p.json<CatalogItem[]>(),
    updatedAt: p.datetime(3),
  },
});
export type CatalogStore = InferEntity<typeof CatalogStore>;
