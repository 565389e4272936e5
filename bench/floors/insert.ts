/**
 * Floor of the write path (bench/run.ts): a bare Koa handler that reads the
 * JSON body and inserts and commits one row in MariaDB (autocommit: one
 * statement, one durable commit), with mysql2 (the driver under MikroORM) and
 * the services' pool size. Driven exactly like POST /api/orders.
 *
 *   PORT=6191 DB_HOST=127.0.0.1 DB_PORT=16306 DB_NAME=baedal_bench DB_USER=bench DB_PASSWORD=... \
 *     node bench/floors/insert.ts
 */
import { randomUUID } from 'node:crypto';
import Koa from 'koa';
import mysql from 'mysql2/promise';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`set ${name}`);
  return value;
};

const port = Number(env('PORT'));
const pool = mysql.createPool({
  host: env('DB_HOST'),
  port: Number(env('DB_PORT')),
  database: env('DB_NAME'),
  user: env('DB_USER'),
  password: env('DB_PASSWORD'),
  // The services' default DB_POOL_MAX (platform config.ts).
  connectionLimit: Number(process.env.DB_POOL_MAX ?? 10),
  timezone: 'Z',
});

const app = new Koa();
app.use(async (ctx) => {
  if (ctx.method !== 'POST') {
    ctx.status = 405;
    return;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  const id = randomUUID();
  await pool.execute('insert into floor_row (id, body, created_at) values (?, ?, ?)', [
    id,
    JSON.stringify(body),
    new Date(),
  ]);
  ctx.status = 201;
  ctx.body = { id };
});

await pool.query('select 1');
const server = app.listen(port, '127.0.0.1', () => console.log(`insert floor listening on ${port}`));
server.keepAliveTimeout = 65_000;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    server.closeAllConnections();
    void pool.end().finally(() => process.exit(0));
  });
}
