import { outboxTableSql } from '@baedal/platform/outbox';
import { processedEventTableSql } from '@baedal/platform/inbox';
import { Migration } from '@mikro-orm/migrations';

export class Migration20261126000000_init extends Migration {
  override name = 'Migration20261126000000_init';

  override up(): void {
    this.addSql(`create table payment (
      id char(36) not null primary key,
      order_id char(36) not null,
      customer_id char(36) not null,
      amount int not null,
      status varchar(16) not null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      unique key payment_order_id_unique (order_id),
      index payment_customer (customer_id, created_at)
    ) engine=InnoDB default charset=utf8mb4`);
    this.addSql(outboxTableSql);
    this.addSql(processedEventTableSql);
  }
}
