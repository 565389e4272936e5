import { describe, expect, it } from '@jest/globals';
import { operationKey, operations } from '@baedal/platform/contracts/routes';
import { isCanonicalPath, matchRoute, routeTable, type Route } from './route-table.ts';

describe('matchRoute', () => {
  it.each([
    ['/api/orders', 'order'],
    ['/api/orders/4f1c/cancel', 'order'],
    ['/api/payments', 'payment'],
    ['/api/admin/faults/payment', 'payment'],
    ['/api/stores', 'store'],
    ['/api/stores/5e0d/menu', 'store'],
    ['/api/store/orders', 'store'],
    ['/api/store/orders/1/accept', 'store'],
    ['/api/deliveries/mine', 'delivery'],
    ['/api/order-status/1/stream', 'customer'],
    ['/api/notifications', 'customer'],
  ])('when the path is %s, then it goes to %s', (path, upstream) => {
    expect(matchRoute(path)?.upstream).toBe(upstream);
  });

  it.each([
    '/api/ordersX',
    '/api/store',
    '/api/storefront',
    '/api/auth/login',
    '/api/admin/faults',
    '/internal/orders/1/transitions',
    '/dapr/subscribe',
    '/events/orders',
    '/',
    '/healthz',
  ])('when the path is %s, then it is not proxied', (path) => {
    expect(matchRoute(path)).toBeUndefined();
  });

  it('when prefixes overlap, then the longest one wins', () => {
    const table: Route[] = [
      { prefix: '/api/orders', upstream: 'order' },
      { prefix: '/api/orders/special', upstream: 'customer' },
    ];
    expect(matchRoute('/api/orders/special/1', table)?.upstream).toBe('customer');
    expect(matchRoute('/api/orders/specialty', table)?.upstream).toBe('order');
    // Order in the table does not matter.
    expect(matchRoute('/api/orders/special', [...table].reverse())?.upstream).toBe('customer');
  });

  it.each([
    '/api/orders/../../internal/payments',
    '/api/orders/%2e%2e/%2E%2E/internal/payments',
    '/api/orders/./1',
    '/api/orders%2f..%2finternal',
    '/api/orders/1%5c..',
    '//api/orders',
  ])('when the path %s is not canonical, then it is not proxied', (path) => {
    expect(isCanonicalPath(path)).toBe(false);
    expect(matchRoute(path)).toBeUndefined();
  });
});

describe('routeTable', () => {
  it('when computed from the operations, then it is the prefixes the edge has always proxied', () => {
    expect(routeTable.map((r) => `${r.prefix} -> ${r.upstream}`).sort()).toEqual(
      [
        '/api/orders -> order',
        '/api/payments -> payment',
        '/api/admin/faults/payment -> payment',
        '/api/admin/faults/order -> order',
        '/api/admin/faults/customer -> customer',
        '/api/admin/dead-letters -> order',
        '/api/admin/parked-events/order -> order',
        '/api/admin/parked-events/payment -> payment',
        '/api/admin/parked-events/store -> store',
        '/api/admin/parked-events/delivery -> delivery',
        '/api/stores -> store',
        '/api/store/ -> store',
        '/api/deliveries -> delivery',
        '/api/order-status -> customer',
        '/api/notifications -> customer',
      ].sort(),
    );
  });

  it('when an operation of the table is requested, then it goes to the service that owns it', () => {
    for (const op of operations) {
      const path = op.path.replace(/\{[^}]+\}/g, '6a1f0c2e-1111-4d2a-8b11-000000000101');
      expect({ op: operationKey(op), to: matchRoute(path)?.upstream }).toEqual({
        op: operationKey(op),
        to: op.service === 'edge' ? undefined : op.service,
      });
    }
  });
});
