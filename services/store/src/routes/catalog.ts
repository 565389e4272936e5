import Router from '@koa/router';
import { notFound, parseIdParam } from '@baedal/platform';
import type { MikroORM } from '@mikro-orm/mysql';
import { MenuItem, menuItemView, Store, storeView } from '../entities/store.ts';

/** The public catalog: no token needed (api.md "Catalog"). */
export function catalogRoutes(deps: { orm: MikroORM }): Router {
  const { orm } = deps;
  const router = new Router();

  router.get('/api/stores', async (ctx) => {
    const stores = await orm.em.fork().find(Store, {}, { orderBy: { name: 'asc', id: 'asc' } });
    ctx.body = stores.map(storeView);
  });

  router.get('/api/stores/:storeId/menu', async (ctx) => {
    const storeId = parseIdParam(ctx.params.storeId, 'The store');
    const em = orm.em.fork();
    const store = await em.findOne(Store, { id: storeId });
    if (!store) throw notFound('The store');
    const items = await em.find(MenuItem, { storeId }, { orderBy: { position: 'asc', id: 'asc' } });
    ctx.body = items.map(menuItemView);
  });

  return router;
}
