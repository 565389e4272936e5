/**
 * `npm run bench -- [--quick] [--keep] [--broker both|redis|kafka] [--connections N] [--profile] [--observe [--sampling-rate R]]`: every
 * speed figure of baedal, each against a floor measured in the same run on the
 * same machine (machines here are noisy; a ratio travels, a raw number does not).
 *
 * It runs on its own stack instances, never on the default stack: the Redis
 * one (state in .stack-bench, every port shifted by 3000) for every phase, and
 * a second one whose pub/sub is Kafka (.stack-bench-kafka, ports shifted by
 * 11000) for event to view on Kafka (apart from the Kafka test stack at 1000
 * and the default stack, which may all run at once). Every request goes
 * through the entry point production has: the cluster's Ingress controller
 * (traefik, with the chart's Ingress paths; bench/ingress.ts), at
 * http://127.0.0.1:11081 and :19081, which sends /api paths straight to their
 * services and the rest to the edge. Every run empties an instance's databases and
 * Redis (and Kafka's data), then (re)starts its apps and sidecars with the rate
 * limits and re-drive off (RATE_LIMIT_ENABLED=false, OUTBOX_REDRIVE_AFTER_SECONDS=0), so it measures the code as it is now,
 * from the same data, and idle memory right after a start (a second start when
 * Node's compile cache was cold for some module). At the end the instances are
 * stopped again, unless --keep.
 *
 * Phases (one run):
 *   1. orders: POST /api/orders through the entry point (Ingress, order, payment
 *      invocation through two sidecars, commit, outbox relay, pub/sub, every
 *      consumer), tokens of 500 customers, 32 connections: max throughput,
 *      counted until every event of the run is published and handled; then
 *      p50/p90/p99 at half that rate, open loop (evenly spaced requests);
 *      its floor: a bare Koa handler that inserts and commits one row in MariaDB
 *      (the instance's own database `baedal_bench`), same body, same autocannon
 *      settings, measured in two halves just before and just after the route;
 *   2. the status view: GET /api/order-status/{id} through the entry point, 20
 *      connections for 40 s (--quick: 10 s), the seed's siege; its floor, a bare
 *      Koa hello, in halves around it likewise; then the view's key read straight
 *      from the customer's sidecar (every view read makes that state read, so
 *      readCeilingRatio = its rps / hello is how far readRatio could go at best);
 *   3. one sidecar hop: payment's GET /healthz directly and through service
 *      invocation (order-dapr -> payment-dapr -> payment), one connection
 *      (latency); then the same two at 32 connections for 10 s each (--quick: 5 s),
 *      interleaved in two rounds (throughput): an order needs at least that one
 *      invocation, so orderCeilingRatio = (rps through two sidecars) / (insert
 *      floor) is how far orderRatio could go at best on this machine;
 *   4. event to view: owner actions (accept, start-cooking, finish-cooking)
 *      through the API while orders are placed in the background at a quarter
 *      of the max rate; the time from the order service's status change (its
 *      history timestamp) to the status arriving on the customer's live stream
 *      (SSE, through the entry point). Then, once the Redis instance's load has
 *      stopped (and the instance with it, unless --keep), the same phase with the
 *      same background rate on the Kafka instance, after a short warm-up round
 *      (its apps start cold; the Redis instance's have run every phase before);
 *   5. memory: RSS (and PSS, anonymous, file-backed) of every service and
 *      sidecar idle (after the start, before any load) and after the load
 *      (Redis instance);
 *   6. read staleness (Redis instance, a second replica of every service for
 *      the phase): how much older than the state store's view a status read
 *      through the entry point is while orders change (phases/staleness.ts).
 * Beside them: CPU milliseconds per order and per view read by process,
 * MariaDB statements per order, and the CPU other processes of the machine
 * used meanwhile.
 *
 * Output: a table, bench/results/<timestamp>.json, the elapsed time, and the
 * closing lines (the first only when Kafka ran, the second only when Redis did)
 *   bench: kafka eventP50Ms=… eventP99Ms=…
 *   bench: orderRatio=… readRatio=… hopP50Ms=… eventP99Ms=… maxServiceRssMb=… maxSidecarRssMb=… cpuPerOrderMs=… statementsPerOrder=…
 *
 * Options:
 *   --quick          shorter phases: the whole run on both brokers in under 3 minutes
 *   --keep           leave the bench stacks running (not their Ingress)
 *   --broker B       both (default): everything on Redis, then event to view on Kafka;
 *                    redis: everything on Redis, no Kafka instance;
 *                    kafka: only event to view on Kafka, with background orders at
 *                    --event-rate N per second (default: the rate of the newest Redis
 *                    run in bench/results, so the figures stay comparable)
 *   --connections N  orders, insert floor and hop throughput (default 32)
 *   --profile        services run with --cpu-prof; profiles land in <state dir>/profiles when they stop
 *   --observe        the stacks come up as `npm run stack -- up --observe` does: every request traced
 *                    (sampling 1) and exported to Zipkin, Prometheus scraping; the cost of tracing
 *   --sampling-rate R  with --observe: trace that share of the requests (0 to 1) instead, as
 *                    `npm run stack -- up --sampling-rate R` does
 *   --soak           only the soak, on the Redis instance: 30 minutes of orders and status reads
 *                    from many customers, every process's RSS growth after the warm-up and its
 *                    RSS 2 minutes after the load (phases/soak.ts); closing line
 *                    `bench: soak maxRssSlopeMiBh=… maxRecoveryRatio=…`
 *   --soak-minutes N the soak's length (default 30)
 *   --report-to F    (internal) the Kafka part of a run on both: write its result to F, print no report
 * Instances: BAEDAL_BENCH_STACK_DIR, BAEDAL_BENCH_PORT_OFFSET (Redis), BAEDAL_BENCH_KAFKA_STACK_DIR,
 * BAEDAL_BENCH_KAFKA_PORT_OFFSET (Kafka). Kafka's jars come through Maven once (tools/kafka/fetch.sh,
 * cached in ~/.cache/baedal/kafka).
 *
 * This file is the order of things; each phase is in bench/phases/, the report
 * in bench/report.ts, the options and durations in bench/settings.ts.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { rel } from '../tools/stack/paths.ts';
import { setStackLogger } from '../tools/stack/proc.ts';
import { customerTokens } from './customers.ts';
import { round } from './figures.ts';
import { entry, ensureStack, stack } from './instance.ts';
import { stopIngress } from './ingress.ts';
import { lastRedisEventRate, runKafkaPart, runningKafkaPart, type KafkaPart } from './kafka-part.ts';
import { phaseEvents } from './phases/events.ts';
import { stopFloors } from './phases/floors.ts';
import { phaseHop, phaseHopThroughput } from './phases/hop.ts';
import { memorySnapshot } from './phases/memory.ts';
import { phaseOrders } from './phases/orders.ts';
import { phaseSoak, soakSnapshot } from './phases/soak.ts';
import { phaseStaleness } from './phases/staleness.ts';
import { phaseReadCeiling, phaseView } from './phases/view.ts';
import { settle } from './pipeline.ts';
import { reportKafka, reportRedis, reportSoak } from './report.ts';
import {
  brokerChoice,
  customers,
  durations,
  eventRateSetting,
  eventWarmupOrders,
  instanceBroker,
  keep,
  log,
  profile,
  profileDir,
  quick,
  reportTo,
  soak,
  soakMinutes,
} from './settings.ts';

setStackLogger((line) => log(`stack: ${line}`));

// ---- stopping -------------------------------------------------------------------

let stopStackAtEnd = !keep;
let interrupted = false;
async function cleanup(): Promise<void> {
  stopFloors();
  stopIngress();
  if (stopStackAtEnd) {
    stopStackAtEnd = false;
    log(`stopping the bench stack (${rel(stack.paths.stackDir)}); --keep leaves it running`);
    await stack.down();
  }
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // A second Ctrl-C leaves at once. The Kafka part gets Ctrl-C from the terminal and
    // then our SIGTERM as well: that one is not a second Ctrl-C.
    if (interrupted) {
      if (signal === 'SIGINT') process.exit(130);
      return;
    }
    interrupted = true;
    log(`${signal === 'SIGINT' ? 'interrupted' : 'terminated'}; cleaning up`);
    const child = runningKafkaPart();
    // A signal to this process alone is handed on, so the Kafka part stops its instance too.
    if (child && child.exitCode === null) child.kill('SIGTERM');
    const childGone = new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    void Promise.all([childGone, cleanup()]).finally(() => process.exit(130));
  });
}

// ---- the runs -------------------------------------------------------------------

/** In a process bound to the Kafka instance: start it from empty, warm it up, measure, stop it (unless --keep). */
async function kafkaPart(rate: number): Promise<KafkaPart> {
  const started = Date.now();
  log(`event to view on Kafka: ${rel(stack.paths.stackDir)} (port offset ${stack.topology.portOffset}, ${entry})`);
  const stackStart = await ensureStack();
  log(
    `Kafka instance up in ${stackStart.upSeconds}s ` +
      `(${stackStart.newStateDir ? 'cold: new state folder' : 'state folder kept'}, Kafka storage formatted afresh)`,
  );
  const tokens = await customerTokens(customers);
  // Fresh apps, consumer groups and topics: a small round first, so the figures are not their first requests.
  const warm = await phaseEvents(tokens, rate, eventWarmupOrders, 'warm-up round of event to view');
  await settle();
  const events = await phaseEvents(tokens, rate);
  await cleanup();
  return {
    events,
    warmup: { n: warm.n, p50: warm.p50, p99: warm.p99, misses: warm.misses.length },
    stack: {
      dir: rel(stack.paths.stackDir),
      portOffset: stack.topology.portOffset,
      infraWasRunning: stackStart.wasRunning,
      newStateDir: stackStart.newStateDir,
      upSeconds: stackStart.upSeconds,
    },
    seconds: round((Date.now() - started) / 1000, 1),
  };
}

/** --broker kafka: event to view on the Kafka instance only (or, with --report-to, the Kafka part of a run on both). */
async function mainKafka(): Promise<void> {
  let rate = eventRateSetting;
  if (rate === undefined) {
    rate = lastRedisEventRate() ?? 20;
    log(`background orders at ${rate}/s: the newest Redis run's rate in bench/results or 20 (--event-rate sets it)`);
  }
  const part = await kafkaPart(rate);
  if (reportTo !== undefined) {
    fs.writeFileSync(reportTo, JSON.stringify(part));
    return;
  }
  reportKafka(part, rate);
}

/** --broker redis or both: every phase on the Redis instance, then (both) event to view on Kafka. */
async function mainRedis(): Promise<void> {
  log(
    `bench ${quick ? '--quick ' : ''}on ${rel(stack.paths.stackDir)} (port offset ${stack.topology.portOffset}, ${entry})`,
  );
  if (profile) fs.mkdirSync(profileDir, { recursive: true });
  const stackStart = await ensureStack();
  log(`idle for ${durations.idle}s, then memory`);
  await sleep(durations.idle * 1000);
  const memIdle = memorySnapshot();

  const tokens = await customerTokens(customers);
  const orders = await phaseOrders(tokens);
  const view = await phaseView();
  const readCeiling = await phaseReadCeiling(view.orderId);
  await settle();
  const hop = await phaseHop();
  const hopThroughput = await phaseHopThroughput();
  const eventRate = Math.max(1, Math.round(orders.max.completed / 4));
  const events = await phaseEvents(tokens, eventRate);
  await settle(15);
  const memAfter = memorySnapshot();
  const staleness = await phaseStaleness();

  let kafkaResult: KafkaPart | { error: string } | undefined;
  if (brokerChoice === 'both') {
    // The Redis instance's load ended with its event phase; stopping the instance too
    // leaves the machine to the Kafka one (with --keep it stays, idle).
    await cleanup();
    kafkaResult = await runKafkaPart(eventRate);
    if ('error' in kafkaResult) {
      log(kafkaResult.error);
      process.exitCode = 1;
    }
  }
  await cleanup();
  reportRedis({
    stackStart,
    memIdle,
    orders,
    view,
    readCeiling,
    staleness,
    hop,
    hopThroughput,
    events,
    memAfter,
    kafkaResult,
  });
}

/** --soak: the Redis instance from empty, idle memory, the soak, the memory after it. */
async function mainSoak(): Promise<void> {
  log(`bench --soak on ${rel(stack.paths.stackDir)} (port offset ${stack.topology.portOffset}, ${entry})`);
  await ensureStack();
  log(`idle for ${durations.idle}s, then memory`);
  await sleep(durations.idle * 1000);
  const idle = await soakSnapshot();
  const result = await phaseSoak(await customerTokens(customers), soakMinutes, idle);
  await cleanup();
  reportSoak(result);
}

try {
  if (soak) await mainSoak();
  else if (instanceBroker === 'kafka') await mainKafka();
  else await mainRedis();
} catch (e) {
  await cleanup().catch((err: unknown) => log(`cleanup failed: ${(err as Error).message}`));
  throw e;
}
