import { outboxRedriveColumnSql } from '@baedal/platform/outbox-redrive';
import { Migration } from '@mikro-orm/migrations';

/** The outbox column of re-drive (outbox-redrive.ts); nobody consumes refunds, so nothing is re-driven here. */
export class Migration20261126030000_outbox_redrive extends Migration {
  override name = 'Migration20261126030000_outbox_redrive';

  override up(): void {
    this.addSql(outboxRedriveColumnSql);
  }
}
