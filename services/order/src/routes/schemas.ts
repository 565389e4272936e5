/** Request schemas of the order routes; the same schemas make the OpenAPI document. */
import { z } from 'zod';

export const PlaceOrderBody = z.strictObject({
  storeId: z.uuid(),
  items: z
    .array(z.strictObject({ menuItemId: z.uuid(), quantity: z.number().int().min(1).max(99) }))
    .min(1)
    .max(20),
  deliveryAddress: z.strictObject({
    line: z.string().trim().min(1).max(200),
    lat: z.number().min(-90).max(90),
    lng: z.number().min(-180).max(180),
  }),
});

export const IdempotencyKey = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

export const ListOrdersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

export const OrderIdParams = z.strictObject({ orderId: z.uuid() });

/** Customer actions take no body; an empty object is tolerated. */
export const EmptyBody = z.strictObject({}).optional();
