/** Request schemas of the customer routes. */
import { z } from 'zod';

export const OrderIdParams = z.strictObject({ orderId: z.uuid() });

export const ListViewsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(100),
});

export const EmptyQuery = z.strictObject({});
