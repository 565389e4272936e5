import { Migration } from '@mikro-orm/migrations';

/**
 * When an order's latest event is due to be published again (domain/event-redriver.ts),
 * and how many times it was. Orders saved before this migration are never re-driven.
 */
export class Migration20261126030000_redrive extends Migration {
  override name = 'Migration20261126030000_redrive';

  override up(): void {
    this.addSql(
      'alter table orders add column redrive_at datetime(3) null, add column redrives int not null default 0, ' +
        'add index orders_redrive_due (redrive_at)',
    );
  }
}
