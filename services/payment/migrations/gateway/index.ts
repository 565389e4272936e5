/** Every migration of the gateway's own database (GATEWAY_DB_NAME), in order; run at start. */
import { Migration20261206000000_gateway_ledger } from './Migration20261206000000_gateway_ledger.ts';

export const gatewayMigrations = [Migration20261206000000_gateway_ledger];
