/** Demo stores of api.md (DEMO_DATA=true): inserted once, into an empty catalog. */
import type { Logger } from '@baedal/platform';
import { demoStores } from '@baedal/platform/contracts/demo';
import { isDuplicateKey } from '@baedal/platform/db';
import type { MikroORM } from '@mikro-orm/mysql';
import { MenuItem, Store } from '../entities/store.ts';

export async function seedDemoStores(orm: MikroORM, logger: Logger): Promise<void> {
  const em = orm.em.fork();
  if ((await em.count(Store, {})) > 0) return;
  try {
    await em.transactional(async (tx) => {
      await tx.insertMany(
        Store,
        demoStores.map((s) => ({
          id: s.id,
          name: s.name,
          lat: s.location.lat,
          lng: s.location.lng,
          open: s.open,
          revision: 0,
        })),
      );
      await tx.insertMany(
        MenuItem,
        demoStores.flatMap((s) =>
          s.items.map((item, position) => ({
            id: item.id,
            storeId: s.id,
            name: item.name,
            unitPrice: item.unitPrice,
            position,
          })),
        ),
      );
    });
    logger.info({ stores: demoStores.length }, 'demo stores inserted');
  } catch (e) {
    // Another replica seeded the same fixed ids at the same moment.
    if (!isDuplicateKey(e)) throw e;
  }
}
