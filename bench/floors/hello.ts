/**
 * Floor of the read path (bench/run.ts): a bare Koa app that answers every
 * request with a small JSON body. No router, no auth, no logging, no sidecar:
 * what Node and Koa cost on this machine, driven exactly like the status view.
 *
 *   PORT=6190 node bench/floors/hello.ts
 */
import Koa from 'koa';

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error('set PORT');

const app = new Koa();
app.use((ctx) => {
  ctx.body = { hello: 'world' };
});
const server = app.listen(port, '127.0.0.1', () => console.log(`hello floor listening on ${port}`));
// As the services do (platform serve.ts): keep the load generator's connections open.
server.keepAliveTimeout = 65_000;
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
