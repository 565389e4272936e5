import { it } from '@jest/globals';
import { orderTimeline } from './audit.ts';
import { sql } from './support.ts';
it('tl', async () => {
  const [[id]] = await sql("select id from baedal_order.orders where status='COMPLETED' order by created_at desc limit 1") as string[][];
  console.log((await orderTimeline(id!, Date.now() - 600_000)).join('\n'));
});
