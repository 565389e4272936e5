import { Migration } from '@mikro-orm/migrations';

/** The gateway's ledger (src/gateway/ledger.ts): charges by idempotency key, and its append-only request log. */
export class Migration20261206000000_gateway_ledger extends Migration {
  override name = 'Migration20261206000000_gateway_ledger';

  override up(): void {
    this.addSql(`create table gateway_charge (
      id char(36) not null primary key,
      idempotency_key varchar(64) not null,
      amount int not null,
      status varchar(16) not null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      unique key gateway_charge_key_unique (idempotency_key),
      index gateway_charge_live (status, created_at)
    ) engine=InnoDB default charset=utf8mb4`);
    this.addSql(`create table gateway_request (
      id bigint unsigned not null auto_increment primary key,
      idempotency_key varchar(64) not null,
      operation varchar(16) not null,
      outcome varchar(16) not null,
      amount int null,
      at datetime(3) not null,
      index gateway_request_key (idempotency_key, operation)
    ) engine=InnoDB default charset=utf8mb4`);
  }
}
