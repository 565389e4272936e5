import { describe, expect, it } from '@jest/globals';
import { priceOrder } from './pricing.ts';

const menu = [
  { id: '6a1f0c2e-1111-4d2a-8b11-000000000101', name: 'Fried chicken', unitPrice: 19000 },
  { id: '6a1f0c2e-1111-4d2a-8b11-000000000103', name: 'Cola', unitPrice: 2500 },
];

describe('priceOrder', () => {
  it('when every item is on the menu, then lines carry the menu price and the total adds up', () => {
    const r = priceOrder(menu, [
      { menuItemId: menu[0]!.id, quantity: 2 },
      { menuItemId: menu[1]!.id, quantity: 3 },
    ]);
    expect(r).toEqual({
      ok: true,
      lines: [
        { menuItemId: menu[0]!.id, name: 'Fried chicken', unitPrice: 19000, quantity: 2 },
        { menuItemId: menu[1]!.id, name: 'Cola', unitPrice: 2500, quantity: 3 },
      ],
      total: 45500,
    });
  });

  it('when an item is not on this store menu, then its path is reported', () => {
    const r = priceOrder(menu, [
      { menuItemId: menu[0]!.id, quantity: 1 },
      { menuItemId: '6a1f0c2e-2222-4d2a-8b11-000000000201', quantity: 1 },
    ]);
    expect(r).toEqual({
      ok: false,
      errors: [{ path: 'items.1.menuItemId', message: 'This menu item does not belong to the store.' }],
    });
  });
});
