import { Migration } from '@mikro-orm/migrations';

/** Charges become authorizations captured by OrderPlaced; uncaptured ones expire. */
export class Migration20261126010000_capture extends Migration {
  override name = 'Migration20261126010000_capture';

  override up(): void {
    this.addSql(`alter table payment
      add column captured_at datetime(3) null after status,
      add index payment_uncaptured (status, captured_at, created_at)`);
  }
}
