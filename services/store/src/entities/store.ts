import type { MenuItemResponse, StoreResponse } from '@baedal/platform/contracts/api';
import { defineEntity, p, type InferEntity } from '@mikro-orm/mysql';

/** A store of the catalog; `revision` grows with every published snapshot (newest wins downstream). */
export const Store = defineEntity({
  name: 'Store',
  tableName: 'store',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(200),
    lat: p.float(),
    lng: p.float(),
    open: p.boolean(),
    revision: p.integer(),
  },
});
export type Store = InferEntity<typeof Store>;

/** A menu item; `position` orders the menu. */
export const MenuItem = defineEntity({
  name: 'MenuItem',
  tableName: 'menu_item',
  properties: {
    id: p.uuid().primary(),
    storeId: p.uuid(),
    name: p.string().length(200),
    unitPrice: p.integer(),
    position: p.integer(),
  },
});
export type MenuItem = InferEntity<typeof MenuItem>;

export function storeView(s: Store): StoreResponse {
  return { id: s.id, name: s.name, location: { lat: s.lat, lng: s.lng }, open: s.open };
}

export function menuItemView(m: MenuItem): MenuItemResponse {
  return { id: m.id, name: m.name, unitPrice: m.unitPrice };
}
