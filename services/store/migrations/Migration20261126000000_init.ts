import { outboxTableSql } from '@baedal/platform/outbox';
import { processedEventTableSql } from '@baedal/platform/inbox';
import { Migration } from '@mikro-orm/migrations';

export class Migration20261126000000_init extends Migration {
  override name = 'Migration20261126000000_init';

  override up(): void {
    this.addSql(`create table store (
      id char(36) not null primary key,
      name varchar(200) not null,
      lat double not null,
      lng double not null,
      open tinyint(1) not null,
      revision int not null default 0
    ) engine=InnoDB default charset=utf8mb4`);
    this.addSql(`create table menu_item (
      id char(36) not null primary key,
      store_id char(36) not null,
      name varchar(200) not null,
      unit_price int not null,
      position int not null,
      index menu_item_store (store_id, position),
      constraint menu_item_store_fk foreign key (store_id) references store (id)
    ) engine=InnoDB default charset=utf8mb4`);
    // The owner's inbox: a local projection of the orders topic, queried by store, status and age.
    this.addSql(`create table inbox_order (
      order_id char(36) not null primary key,
      store_id char(36) not null,
      customer_id char(36) not null,
      status varchar(16) not null,
      items json not null,
      total_amount int not null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      index inbox_order_store_status (store_id, status, created_at),
      index inbox_order_store_created (store_id, created_at)
    ) engine=InnoDB default charset=utf8mb4`);
    this.addSql(outboxTableSql);
    this.addSql(processedEventTableSql);
  }
}
