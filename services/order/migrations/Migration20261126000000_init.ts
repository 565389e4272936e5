import { processedEventTableSql } from '@baedal/platform/inbox';
import { outboxTableSql } from '@baedal/platform/outbox';
import { Migration } from '@mikro-orm/migrations';

export class Migration20261126000000_init extends Migration {
  override name = 'Migration20261126000000_init';

  override up(): void {
    this.addSql(`create table orders (
      id char(36) not null primary key,
      customer_id char(36) not null,
      store_id char(36) not null,
      store_name varchar(200) not null,
      items json not null,
      total_amount int not null,
      status varchar(16) not null,
      history json not null,
      delivery_address json not null,
      payment_id char(36) not null,
      rider_id char(36) null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      index orders_customer_newest (customer_id, created_at, id)
    ) engine=InnoDB default charset=utf8mb4`);
    this.addSql(`create table order_request (
      customer_id char(36) not null,
      idempotency_key varchar(128) not null,
      request_hash char(64) not null,
      order_id char(36) not null,
      created_at datetime(3) not null,
      primary key (customer_id, idempotency_key)
    ) engine=InnoDB default charset=utf8mb4`);
    this.addSql(`create table catalog_store (
      store_id char(36) not null primary key,
      name varchar(200) not null,
      lat double not null,
      lng double not null,
      open tinyint(1) not null,
      revision int not null,
      items json not null,
      updated_at datetime(3) not null
    ) engine=InnoDB default charset=utf8mb4`);
    this.addSql(outboxTableSql);
    this.addSql(processedEventTableSql);
  }
}
