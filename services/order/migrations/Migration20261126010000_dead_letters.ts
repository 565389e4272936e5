import { deadLetterTableSql } from '@baedal/platform/deadletters';
import { Migration } from '@mikro-orm/migrations';

/** The order service collects the dead letters of every service. */
export class Migration20261126010000_dead_letters extends Migration {
  override name = 'Migration20261126010000_dead_letters';

  override up(): void {
    this.addSql(deadLetterTableSql);
  }
}
