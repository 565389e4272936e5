import { describe, expect, it } from '@jest/globals';
import { openApiDocument } from './openapi.ts';

/** Every route of api.md, as `METHOD path`. */
const apiMd = [
  'post /api/auth/login',
  'get /api/stores',
  'get /api/stores/{storeId}/menu',
  'post /api/orders',
  'get /api/orders',
  'get /api/orders/{orderId}',
  'post /api/orders/{orderId}/cancel',
  'post /api/orders/{orderId}/confirm',
  'get /api/store/orders',
  'post /api/store/orders/{orderId}/accept',
  'post /api/store/orders/{orderId}/reject',
  'post /api/store/orders/{orderId}/start-cooking',
  'post /api/store/orders/{orderId}/finish-cooking',
  'get /api/deliveries',
  'get /api/deliveries/mine',
  'post /api/deliveries/{deliveryId}/pick',
  'post /api/deliveries/{deliveryId}/deliver',
  'get /api/order-status/{orderId}',
  'get /api/order-status',
  'get /api/order-status/{orderId}/stream',
  'get /api/notifications',
  'get /api/payments',
  'put /api/admin/faults/payment',
];

type Doc = {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, Record<string, unknown>> };
};

function refs(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refs(n, found));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') found.push(v);
      else refs(v, found);
    }
  }
  return found;
}

describe('openApiDocument', () => {
  const doc = openApiDocument({ loginEnabled: true }) as unknown as Doc;
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));

  it('when built, then it has exactly the routes of api.md', () => {
    expect(operations.sort()).toEqual([...apiMd].sort());
  });

  it('when built, then every $ref points to a component', () => {
    for (const r of refs(doc)) {
      expect(r).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[r.split('/').pop() ?? '']).toBeDefined();
    }
  });

  it('when built, then request bodies refuse unknown fields and answers stay open', () => {
    expect(doc.components.schemas.PlaceOrderRequest?.additionalProperties).toBe(false);
    expect(doc.components.schemas.LoginRequest?.additionalProperties).toBe(false);
    expect(doc.components.schemas.Order?.additionalProperties).toBeUndefined();
    expect(JSON.stringify(doc)).not.toContain('$schema');
  });

  it('when login is switched off, then the login route is not documented', () => {
    const off = openApiDocument({ loginEnabled: false }) as unknown as Doc;
    expect(off.paths['/api/auth/login']).toBeUndefined();
  });
});
