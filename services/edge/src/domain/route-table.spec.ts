import { describe, expect, it } from '@jest/globals';
import { isCanonicalPath, matchRoute, type Route } from './route-table.ts';

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
