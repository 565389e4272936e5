/**
 * Idempotent consumers: the id of every handled event is stored in the same
 * transaction as its effect, so a redelivered event changes nothing.
 */
import { defineEntity, p, type EntityManager, type MikroORM } from '@mikro-orm/mysql';
import { isDuplicateKey } from './db.ts';

export const ProcessedEvent = defineEntity({
  name: 'ProcessedEvent',
  tableName: 'processed_event',
  properties: {
    eventId: p.uuid().primary(),
    type: p.string().length(64),
    processedAt: p.datetime(3),
  },
});

export const processedEventTableSql = `create table processed_event (
  event_id char(36) not null primary key,
  type varchar(64) not null,
  processed_at datetime(3) not null
) engine=InnoDB default charset=utf8mb4`;

/** Migration DDL: the retention job (retention.ts) deletes the oldest markers first. */
export const processedEventByAgeIndexSql = 'create index processed_event_by_age on processed_event (processed_at)';

/**
 * Runs `effect` once per event id. Returns false for a duplicate. The insert of
 * the marker goes first: a concurrent redelivery blocks on the key until the
 * first transaction ends, then sees the duplicate.
 */
export async function handleOnce(
  orm: MikroORM,
  event: { id: string; type: string },
  effect: (em: EntityManager) => Promise<void>,
): Promise<boolean> {
  let duplicate = false;
  await orm.em.fork().transactional(async (em) => {
    try {
      await em.insert(ProcessedEvent, { eventId: event.id, type: event.type, processedAt: new Date() });
    } catch (e) {
      // MySQL keeps the transaction usable after a failed statement; nothing else ran yet.
      if (isDuplicateKey(e)) {
        duplicate = true;
        return;
      }
      throw e;
    }
    await effect(em);
  });
  return !duplicate;
}
