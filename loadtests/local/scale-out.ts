/**
 * `npm run loadtest:scale-out`: scale-out through name resolution, without a
 * cluster. Drives service invocation of the payment service through the order
 * service's sidecar (the path orders take), first with the stack's one payment
 * instance, then with a second instance — its own app process and its own
 * daprd with the same app id — that registers in the sqlite name resolver.
 * Prints the throughput for one and for two instances and how the calls were
 * spread, read from each instance's own request counter.
 *
 * On one 2-core machine a second instance cannot add CPU, so the throughput
 * figure shows the spread works, not a cluster's gain.
 *
 * The access policy allows order -> payment only the charge; a stack brought up
 * with `BAEDAL_MEASURE_HOP=1` also allows this GET /healthz
 * (tools/stack/components.ts withHopProbe), and this script needs one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import {
  appByName,
  appEnv,
  appTokens,
  componentsDir,
  daprdBinary,
  sidecarArgs,
  sidecarEnv,
} from '../../tools/stack/env-instance.ts';
import { repoRoot } from '../../tools/stack/paths.ts';
import { type AppSpec } from '../../tools/stack/topology.ts';
import { bundleService } from '../../packages/platform/src/bundle.ts';

const seconds = Number(process.argv[2] ?? 15);
const order = appByName('order');
const payment = appByName('payment');
if (!order?.dapr || !payment?.dapr) throw new Error('order and payment need sidecars in topology.ts');

// The second instance: same app id, its own ports (payment's + 90).
const shift = 90;
const second: AppSpec = {
  ...payment,
  appPort: payment.appPort + shift,
  dapr: {
    httpPort: payment.dapr.httpPort + shift,
    grpcPort: payment.dapr.grpcPort + shift,
    internalGrpcPort: payment.dapr.internalGrpcPort + shift,
    metricsPort: payment.dapr.metricsPort + shift,
  },
};

// GET /healthz through the order sidecar: the app's cheapest answer, never a 5xx (a 5xx
// would count against the order→payment circuit breaker that customers' orders use),
// and, unlike the /api routes, not subject to the per-user rate limit.
const target = `http://127.0.0.1:${order.dapr.httpPort}/v1.0/invoke/payment/method/healthz`;
// As the order service calls its sidecar.
const headers = { 'dapr-api-token': appTokens('order').daprApiToken };
if (!readFileSync(`${componentsDir}/config.yaml`, 'utf8').includes('name: /healthz')) {
  console.error('[scale-out] the stack refuses order -> payment GET /healthz: bring it up with BAEDAL_MEASURE_HOP=1');
  process.exit(2);
}

async function served(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('http_server_duration_seconds_count') && l.includes('route="/healthz"'))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

async function drive(label: string, ports: number[]) {
  const before = await Promise.all(ports.map(served));
  const r = await autocannon({
    url: target,
    headers,
    connections: 20,
    duration: seconds,
  });
  const after = await Promise.all(ports.map(served));
  const shares = after.map((a, i) => a - (before[i] ?? 0));
  const total = shares.reduce((a, b) => a + b, 0);
  console.log(
    `${label}: ${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ` +
      `non-2xx ${r.non2xx}, errors ${r.errors}; served per instance: ${shares
        .map((s) => `${s} (${total ? Math.round((100 * s) / total) : 0} %)`)
        .join(', ')}`,
  );
  return { rps: r.requests.average, shares };
}

async function waitFor(url: string, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer`);
}

function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
  });
}

// A breaker left open by an earlier fault would turn every call into a fast 500: wait it out.
await waitFor(target, 40_000);
const one = await drive('1 payment instance ', [payment.appPort]);

const daprd = daprdBinary();
const app = spawn(process.execPath, [await bundleService('payment')], {
  cwd: `${repoRoot}/services/payment`,
  env: {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...appEnv(second),
    APP_PORT: String(second.appPort),
    DAPR_HTTP_PORT: String(second.dapr?.httpPort),
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const sidecar = spawn(daprd, sidecarArgs(second), { cwd: repoRoot, env: sidecarEnv(second), stdio: 'ignore' });
try {
  await waitFor(`http://127.0.0.1:${second.appPort}/readyz`);
  await waitFor(`http://127.0.0.1:${second.dapr?.httpPort}/v1.0/healthz`);
  // Give the resolver a moment to hand out the new address.
  await new Promise((r) => setTimeout(r, 2000));
  // autocannon ends a run by dropping its in-flight requests; the caller's sidecar counts
  // those as failed calls and may open the breaker: wait until calls pass again.
  await waitFor(target, 40_000);
  const two = await drive('2 payment instances', [payment.appPort, second.appPort]);
  const spread = two.shares.every((s) => s > 0);
  console.log(
    `scale-out: ${spread ? 'calls reached both instances through name resolution' : 'calls did NOT reach both instances'}; ` +
      `throughput ratio two/one = ${(two.rps / one.rps).toFixed(2)} (2 cores shared by everything)`,
  );
  if (!spread) process.exitCode = 1;
} finally {
  await Promise.all([stop(sidecar), stop(app)]);
}
