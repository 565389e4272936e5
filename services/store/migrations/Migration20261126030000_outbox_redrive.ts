import { outboxByKeyIndexSql, outboxRedriveColumnSql } from '@baedal/platform/outbox-redrive';
import { Migration } from '@mikro-orm/migrations';

/** Re-drive of a store's latest catalog snapshot (outbox-redrive.ts). */
export class Migration20261126030000_outbox_redrive extends Migration {
  override name = 'Migration20261126030000_outbox_redrive';

  override up(): void {
    this.addSql(outboxRedriveColumnSql);
    this.addSql(outboxByKeyIndexSql);
  }
}
