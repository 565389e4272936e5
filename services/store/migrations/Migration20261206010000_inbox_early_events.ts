import { Migration } from '@mikro-orm/migrations';

/**
 * An inbox row may come before its OrderPlaced (events of one order can reach
 * different replicas, and OrderPlaced can wait out a killed consumer's
 * redelivery): such a row records the status, has no items and total yet, and
 * stays out of the owner's inbox until OrderPlaced fills it in.
 */
export class Migration20261206010000_inbox_early_events extends Migration {
  override name = 'Migration20261206010000_inbox_early_events';

  override up(): void {
    this.addSql(`alter table inbox_order
      modify items json null,
      modify total_amount int null,
      add column placed tinyint(1) not null default 1`);
  }
}
