import { processedEventByAgeIndexSql } from '@baedal/platform/inbox';
import { outboxClaimsSql } from '@baedal/platform/outbox-claims';
import { Migration } from '@mikro-orm/migrations';

/** The outbox's sequence and relay leases (outbox-claims.ts); age indexes for the retention job of the inbox and the idempotency keys. */
export class Migration20261206000000_outbox_claims extends Migration {
  override name = 'Migration20261206000000_outbox_claims';

  override up(): void {
    for (const sql of outboxClaimsSql) this.addSql(sql);
    this.addSql(processedEventByAgeIndexSql);
    this.addSql('create index order_request_by_age on order_request (created_at)');
  }
}
