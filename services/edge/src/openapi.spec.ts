import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { openApiDocument, openApiJson } from './openapi.ts';

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

  it('when a route takes an id in its path, then a malformed id is documented as 404, never 400', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.includes('{')) continue;
      for (const op of Object.values(ops) as { responses: Record<string, unknown> }[]) {
        expect({ path, has404: '404' in op.responses }).toEqual({ path, has404: true });
      }
    }
  });

  it('when a request takes a uuid, then the document carries the pattern zod checks, not only the format', () => {
    const storeId = (doc.components.schemas.PlaceOrderRequest?.properties as Record<string, Record<string, string>>)
      .storeId;
    expect(storeId).toEqual(expect.objectContaining({ format: 'uuid', pattern: expect.any(String) }));
    // Version nibble 0 and variant nibble 0: 8-4-4-4-12 hex, yet refused by z.uuid().
    expect(new RegExp(storeId?.pattern ?? '').test('6a1f0c2e-1111-0d2a-0b11-000000000101')).toBe(false);
  });

  it('when the status stream is documented, then its item schema is one parsed event whose data is a view', () => {
    const stream = doc.paths['/api/order-status/{orderId}/stream']?.get as {
      responses: Record<string, { content: Record<string, { itemSchema?: Record<string, unknown> }> }>;
    };
    const item = stream.responses['200']?.content['text/event-stream']?.itemSchema;
    expect(item).toEqual(
      expect.objectContaining({
        type: 'object',
        required: ['data'],
        properties: expect.objectContaining({
          data: expect.objectContaining({ contentSchema: { $ref: '#/components/schemas/OrderStatusView' } }),
        }),
      }),
    );
  });

  it('when an owner acts on an order, then the answer is the inbox view the store service sends', () => {
    const accept = doc.paths['/api/store/orders/{orderId}/accept']?.post as {
      responses: Record<string, { content: Record<string, { schema: unknown }> }>;
    };
    expect(accept.responses['200']?.content['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/InboxOrder',
    });
    expect(doc.components.schemas.InboxOrder?.required).toEqual([
      'orderId',
      'status',
      'items',
      'totalAmount',
      'createdAt',
    ]);
  });
});

describe('services/edge/openapi.json', () => {
  it('when compared with the generated document, then it is the same (otherwise run npm run openapi)', () => {
    const committed = readFileSync(new URL('../openapi.json', import.meta.url), 'utf8');
    // Formatting aside (prettier formats the file): same keys, same order, same values.
    const same = JSON.stringify(JSON.parse(committed)) === JSON.stringify(JSON.parse(openApiJson()));
    if (!same) {
      throw new Error('services/edge/openapi.json differs from the generated OpenAPI document: run npm run openapi');
    }
  });
});
