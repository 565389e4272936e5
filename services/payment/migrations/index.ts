/** Every migration of this service, in order; run at start by openDatabase(). */
import { Migration20261126000000_init } from './Migration20261126000000_init.ts';
import { Migration20261126010000_capture } from './Migration20261126010000_capture.ts';
import { Migration20261126030000_outbox_redrive } from './Migration20261126030000_outbox_redrive.ts';
import { Migration20261206000000_outbox_claims } from './Migration20261206000000_outbox_claims.ts';
import { Migration20261206180000_outbox_traceparent } from './Migration20261206180000_outbox_traceparent.ts';

export const migrations = [
  Migration20261126000000_init,
  Migration20261126010000_capture,
  Migration20261126030000_outbox_redrive,
  Migration20261206000000_outbox_claims,
  Migration20261206180000_outbox_traceparent,
];
