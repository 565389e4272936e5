/**
 * One sidecar hop: payment's GET /healthz directly and through service
 * invocation (order-dapr -> payment-dapr -> payment), one connection for its
 * latency, then at the order route's connections for its throughput.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { percentiles, round } from '../figures.ts';
import { orderApp, paymentApp, sidecarHeaders } from '../instance.ts';
import { combine, failed, fails, run, type LoadResult } from '../load.ts';
import { connections, durations, log } from '../settings.ts';

export async function phaseHop() {
  const direct = `http://127.0.0.1:${paymentApp.appPort}/healthz`;
  const sidecar = orderApp.dapr;
  if (!sidecar) throw new Error('order has no sidecar');
  const viaDapr = `http://127.0.0.1:${sidecar.httpPort}/v1.0/invoke/payment/method/healthz`;
  log(`sidecar hop: ${durations.hopRounds} rounds of ${durations.hopRound}s each, directly and through order-dapr`);
  const lat = { direct: [] as number[], viaDapr: [] as number[] };
  const one = async (url: string, into: number[], seconds: number) => {
    const latencies: number[] = [];
    const headers = url === viaDapr ? sidecarHeaders('order') : {};
    await new Promise<void>((resolve, reject) => {
      const inst = autocannon({ url, headers, connections: 1, duration: seconds }, (err) =>
        err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(),
      );
      inst.on('response', (_c, status, _b, ms) => {
        if (status === 200) latencies.push(ms);
      });
    });
    into.push(...latencies);
  };
  await one(direct, [], 1);
  await one(viaDapr, [], 1);
  for (let i = 0; i < durations.hopRounds; i++) {
    await one(direct, lat.direct, durations.hopRound);
    await one(viaDapr, lat.viaDapr, durations.hopRound);
  }
  const d = percentiles(lat.direct);
  const v = percentiles(lat.viaDapr);
  return {
    direct: d,
    viaDapr: v,
    p50Ms: round(v.p50 - d.p50, 2),
    p99Ms: round(v.p99 - d.p99, 2),
  };
}

/**
 * The structural ceiling of an order: the throughput of the hop measurement's
 * small handler (payment's GET /healthz) directly and through order-dapr ->
 * payment-dapr -> payment, at the order route's connections. Every order makes
 * at least that one invocation, so no order rate beats it on this machine. Two
 * interleaved rounds per target, so a burst of other load weighs on both alike.
 *
 * Every run is a number of requests, sized from the run before, never a timed
 * run: a timed run ends by dropping the requests in flight, and the sidecar
 * counts each one its caller gave up on as a failed call to payment. Thirty-two
 * of them in a row trip the order -> payment circuit breaker (5 consecutive
 * failures; open for 15 s, components/resiliency.yaml): every call after that
 * is a 500, and orders placed meanwhile are refused.
 */
export async function phaseHopThroughput() {
  const sidecar = orderApp.dapr;
  if (!sidecar) throw new Error('order has no sidecar');
  const direct = `http://127.0.0.1:${paymentApp.appPort}/healthz`;
  const viaDapr = `http://127.0.0.1:${sidecar.httpPort}/v1.0/invoke/payment/method/healthz`;
  log(
    `sidecar hop throughput: ${connections} connections, 2 rounds of about ${durations.hopLoadRound}s each, ` +
      'directly and through order-dapr',
  );
  const rates = { direct: 0, viaDapr: 0 };
  const runs = { direct: [] as LoadResult[], viaDapr: [] as LoadResult[] };
  const once = async (target: 'direct' | 'viaDapr', warmup = false) => {
    const url = target === 'direct' ? direct : viaDapr;
    const headers = target === 'direct' ? {} : sidecarHeaders('order');
    const amount = warmup
      ? connections * 100
      : Math.max(connections, Math.round(rates[target] * durations.hopLoadRound));
    const r = await run({ url, headers, connections, seconds: durations.hopLoadRound, amount });
    rates[target] = r.rps;
    if (failed(r) > 0) {
      const res = await fetch(url, { headers }).catch((e: unknown) => e as Error);
      const answer =
        res instanceof Error ? res.message : `${res.status} ${(await res.text()).slice(0, 200).replace(/\s+/g, ' ')}`;
      log(`sidecar hop throughput, ${target}: ${fails(r)}; one more call now answers ${answer}`);
    }
    if (!warmup) runs[target].push(r);
  };
  await once('direct', true);
  await once('viaDapr', true);
  for (let i = 0; i < 2; i++) {
    await once('direct');
    await once('viaDapr');
  }
  const [d1, d2] = runs.direct;
  const [v1, v2] = runs.viaDapr;
  if (!d1 || !d2 || !v1 || !v2) throw new Error('the hop throughput rounds did not happen');
  const d = combine(d1, d2);
  const v = combine(v1, v2);
  // Should the breaker have opened anyway, the orders of the next phase must not meet it.
  const deadline = Date.now() + 20_000;
  const viaAnswers = () =>
    fetch(viaDapr, { headers: sidecarHeaders('order') })
      .then(async (r) => (await r.arrayBuffer(), r.status === 200))
      .catch(() => false);
  while (!(await viaAnswers()) && Date.now() < deadline) await sleep(500);
  return { connections, direct: d, viaDapr: v, ratio: round(v.rps / Math.max(1, d.rps), 2) };
}
