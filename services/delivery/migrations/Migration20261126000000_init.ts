import { outboxTableSql } from '@baedal/platform/outbox';
import { processedEventTableSql } from '@baedal/platform/inbox';
import { Migration } from '@mikro-orm/migrations';

export class Migration20261126000000_init extends Migration {
  override name = 'Migration20261126000000_init';

  override up(): void {
    // delivery_status leads with status (the "ready near me" list filters on it) and
    // carries the dropoff coordinates so the bounding-box prefilter is served by it too.
    this.addSql(`create table delivery (
      id char(36) not null primary key,
      order_id char(36) not null,
      store_id char(36) not null,
      customer_id char(36) not null,
      pickup_lat double not null,
      pickup_lng double not null,
      dropoff_lat double not null,
      dropoff_lng double not null,
      status varchar(16) not null,
      rider_id char(36) null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      picked_up_at datetime(3) null,
      delivered_at datetime(3) null,
      unique key delivery_order_id_unique (order_id),
      index delivery_status (status, dropoff_lat, dropoff_lng),
      index delivery_rider (rider_id, picked_up_at)
    ) engine=InnoDB default charset=utf8mb4`);
    this.addSql(outboxTableSql);
    this.addSql(processedEventTableSql);
  }
}
