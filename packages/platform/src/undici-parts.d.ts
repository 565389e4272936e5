/**
 * Types for the two parts of undici the sidecar client loads (dapr.ts says
 * why not its index): the connection pool and the request API undici's index
 * adds to every dispatcher.
 */
declare module 'undici/lib/dispatcher/pool.js' {
  import type { Pool } from 'undici';
  const PoolClass: typeof Pool;
  export = PoolClass;
}

declare module 'undici/lib/api/api-request.js' {
  import type { Dispatcher } from 'undici';
  const request: Dispatcher['request'];
  export = request;
}
