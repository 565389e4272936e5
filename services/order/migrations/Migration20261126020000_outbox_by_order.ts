import { Migration } from '@mikro-orm/migrations';

/** GET /internal/orders/{id}/events reads one order's events from the outbox. */
export class Migration20261126020000_outbox_by_order extends Migration {
  override name = 'Migration20261126020000_outbox_by_order';

  override up(): void {
    this.addSql('create index outbox_by_key on outbox (partition_key, created_at)');
  }
}
