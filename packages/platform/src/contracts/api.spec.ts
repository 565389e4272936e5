import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { AppError } from '../problem.ts';
import { parseIdParam } from '../validate.ts';
import {
  EmptyBody,
  IdempotencyKey,
  ListOrdersQuery,
  ListOrderStatusQuery,
  NearbyDeliveriesQuery,
  PlaceOrderRequest,
  RejectRequest,
} from './api.ts';

const uuid = '6a1f0c2e-1111-4d2a-8b11-000000000101';
const order = {
  storeId: uuid,
  items: [{ menuItemId: uuid, quantity: 1 }],
  deliveryAddress: { line: ' 1 Teheran-ro ', lat: 37.5, lng: 127 },
};

/** The JSON Schema the OpenAPI document shows for a field of a request (services/edge/src/openapi.ts). */
function documented(schema: z.ZodType): { maxLength?: number; pattern?: string } {
  return z.toJSONSchema(schema, { io: 'input' }) as { maxLength?: number; pattern?: string };
}
const line = PlaceOrderRequest.shape.deliveryAddress.shape.line;
const takes = (text: string) => line.safeParse(text).success;
const documentedTakes = (text: string) => {
  const { maxLength, pattern } = documented(line);
  return [...text].length <= (maxLength ?? Infinity) && new RegExp(pattern ?? '').test(text);
};

describe('request schemas and their documented JSON Schema', () => {
  it('when a text is blank, too long or long in UTF-16 units only, then validation and document agree', () => {
    const cases = [' ', '\t\u00a0\ufeff\u3000', 'x', ` ${'x'.repeat(199)}`, 'x'.repeat(201), '😀'.repeat(200), ' x '];
    for (const text of cases)
      expect({ text, documented: documentedTakes(text) }).toEqual({ text, documented: takes(text) });
    expect(takes('😀'.repeat(200))).toBe(true);
    expect(takes('\u3000')).toBe(false);
  });

  it('when an id is a uuid of no RFC 9562 version, then it is refused and the documented pattern says so', () => {
    const notRfc = '6a1f0c2e-1111-0d2a-0b11-000000000101';
    const storeId = PlaceOrderRequest.shape.storeId;
    expect(storeId.safeParse(notRfc).success).toBe(false);
    const { pattern } = z.toJSONSchema(storeId, { io: 'input' }) as { pattern?: string };
    expect(new RegExp(pattern ?? '').test(notRfc)).toBe(false);
  });
});

describe('request schemas', () => {
  it('when an order is placed, then the address line is trimmed and unknown fields are refused', () => {
    expect(PlaceOrderRequest.parse(order).deliveryAddress.line).toBe('1 Teheran-ro');
    expect(PlaceOrderRequest.safeParse({ ...order, totalAmount: 1 }).success).toBe(false);
    expect(
      PlaceOrderRequest.safeParse({ ...order, items: [{ menuItemId: uuid, quantity: 1, unitPrice: 1 }] }).success,
    ).toBe(false);
    expect(
      PlaceOrderRequest.safeParse({ ...order, deliveryAddress: { ...order.deliveryAddress, line: '  ' } }).success,
    ).toBe(false);
  });

  it('when query strings are parsed, then numbers are coerced within bounds and defaults apply', () => {
    expect(ListOrdersQuery.parse({})).toEqual({ limit: 20 });
    expect(ListOrdersQuery.parse({ limit: '5' })).toEqual({ limit: 5 });
    expect(ListOrdersQuery.safeParse({ limit: '101' }).success).toBe(false);
    expect(ListOrderStatusQuery.parse({})).toEqual({ limit: 100 });
    expect(NearbyDeliveriesQuery.parse({ lat: ' 37.5 ', lng: '127' })).toEqual({ lat: 37.5, lng: 127, radiusKm: 3 });
    for (const q of [
      { lat: '', lng: '1' },
      { lat: ['1', '2'], lng: '1' },
      { lat: '1', lng: '1', radiusKm: '20.01' },
    ]) {
      expect(NearbyDeliveriesQuery.safeParse(q).success).toBe(false);
    }
  });

  it('when an action has a body, then only an empty object or a trimmed reason is accepted', () => {
    expect(EmptyBody.safeParse(undefined).success).toBe(true);
    expect(EmptyBody.safeParse({}).success).toBe(true);
    expect(EmptyBody.safeParse({ status: 'COMPLETED' }).success).toBe(false);
    expect(RejectRequest.parse({ reason: ' sold out ' })).toEqual({ reason: 'sold out' });
    expect(RejectRequest.safeParse({ reason: ' ' }).success).toBe(false);
    expect(IdempotencyKey.safeParse('has spaces').success).toBe(false);
  });
});

describe('parseIdParam', () => {
  it('when the id is a uuid, then it is returned', () => {
    expect(parseIdParam(uuid, 'The order')).toBe(uuid);
  });

  it.each([['not-a-uuid'], [''], [undefined]])('when the id is %j, then 404 (never 400)', (id) => {
    let thrown: unknown;
    try {
      parseIdParam(id, 'The order');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect((thrown as AppError).toProblem()).toEqual({
      type: '/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: 'The order does not exist.',
    });
  });
});
