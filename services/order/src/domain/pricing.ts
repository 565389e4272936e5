/** Prices an order from the catalog replica: clients never send prices. */
import type { FieldError } from '@baedal/platform';
import type { CatalogItem } from '../entities/catalog.ts';
import type { OrderLine } from '../entities/order.ts';

export type PricingResult = { ok: true; lines: OrderLine[]; total: number } | { ok: false; errors: FieldError[] };

export function priceOrder(
  menu: readonly CatalogItem[],
  items: readonly { menuItemId: string; quantity: number }[],
): PricingResult {
  const byId = new Map(menu.map((m) => [m.id, m]));
  const errors: FieldError[] = [];
  const lines: OrderLine[] = [];
  items.forEach((item, i) => {
    const m = byId.get(item.menuItemId);
    if (!m) {
      errors.push({ path: `items.${i}.menuItemId`, message: 'This menu item does not belong to the store.' });
      return;
    }
    lines.push({ menuItemId: m.id, name: m.name, unitPrice: m.unitPrice, quantity: item.quantity });
  });
  if (errors.length) return { ok: false, errors };
  return { ok: true, lines, total: lines.reduce((sum, l) => sum + l.unitPrice * l.quantity, 0) };
}
