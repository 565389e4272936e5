import { outboxRedriveColumnSql } from '@baedal/platform/outbox-redrive';
import { Migration } from '@mikro-orm/migrations';

/** Re-drive of quiet orders' latest events (outbox-redrive.ts); the key index came with the event log. */
export class Migration20261126030000_outbox_redrive extends Migration {
  override name = 'Migration20261126030000_outbox_redrive';

  override up(): void {
    this.addSql(outboxRedriveColumnSql);
  }
}
