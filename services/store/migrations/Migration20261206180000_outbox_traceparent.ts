import { outboxTraceparentSql } from '@baedal/platform/outbox';
import { Migration } from '@mikro-orm/migrations';

/** The trace context each outbox event is published in (outbox.ts, trace.ts). */
export class Migration20261206180000_outbox_traceparent extends Migration {
  override name = 'Migration20261206180000_outbox_traceparent';

  override up(): void {
    this.addSql(outboxTraceparentSql);
  }
}
