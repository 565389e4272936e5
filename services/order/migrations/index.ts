/** Every migration of this service, in order; run at start by openDatabase(). */
import { Migration20261126000000_init } from './Migration20261126000000_init.ts';

export const migrations = [Migration20261126000000_init];
