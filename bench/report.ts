/**
 * What a run reports: the table on stdout, bench/results/<start>.json, the
 * elapsed time, and the closing `bench:` lines (the Kafka one only when Kafka
 * ran, the other only when Redis did), whose names and figures other tools and
 * docs/performance.md compare across runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rel } from '../tools/stack/paths.ts';
import { round } from './figures.ts';
import { stack, type StackStart } from './instance.ts';
import type { KafkaPart } from './kafka-part.ts';
import { fails, type LoadResult } from './load.ts';
import type { EventsResult } from './phases/events.ts';
import type { phaseHop, phaseHopThroughput } from './phases/hop.ts';
import { maxRss, type memorySnapshot } from './phases/memory.ts';
import type { SoakResult } from './phases/soak.ts';
import type { StalenessResult } from './phases/staleness.ts';
import type { phaseOrders } from './phases/orders.ts';
import type { phaseView } from './phases/view.ts';
import {
  benchDir,
  brokerChoice,
  connections,
  customers,
  durations,
  eventOrders,
  eventWarmupOrders,
  quick,
  startedAt,
  t0,
} from './settings.ts';

/** Rows in aligned columns: the first to the left, the figures to the right. */
function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const ms = (v: number) => `${v.toFixed(1)} ms`;
const lat = (l: LoadResult['latency']) => `p50 ${ms(l.p50)} p90 ${ms(l.p90)} p99 ${ms(l.p99)}`;
const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');
/**
 * Target of event to view, on either broker: the status on the customer's screen within 50 ms at p99.
 * Also the bound on how much older than the state store's view a status read may be (readStalenessP99Ms).
 */
const eventTargetMs = 50;
const readRatioTarget = 0.3;
/** Memory targets per service: PSS idle, RSS after the load. */
const servicePssIdleTargetMb = 50;
const serviceRssAfterTargetMb = 160;
const eventRow = (label: string, e: EventsResult, target: string) => [
  `${label} (${e.n} changes, SSE)`,
  `p50 ${ms(e.p50)}`,
  `p99 ${ms(e.p99)}, max ${ms(e.max)}; bg ${e.background.rps}/s orders (rate ${e.background.rate}/s)`,
  target,
];
/** The Kafka figures in the shape of the Redis ones (side by side in the JSON), with what else the part knows. */
const kafkaJson = (k: KafkaPart | { error: string }) =>
  'error' in k ? k : { ...k.events, warmup: k.warmup, stack: k.stack, seconds: k.seconds };
const kafkaLine = (k: KafkaPart | { error: string }) =>
  'error' in k
    ? 'bench: kafka failed'
    : `bench: kafka eventP50Ms=${Math.round(k.events.p50)} eventP99Ms=${Math.round(k.events.p99)}`;

function machineInfo() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memGb: round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
  };
}

function elapsedText(seconds: number, kafkaSeconds?: number): string {
  const s = Math.round(seconds);
  const budget = quick && s > 180 ? ', over the 3 minutes --quick is meant to take' : '';
  const kafkaText = kafkaSeconds === undefined ? '' : `; Kafka part ${Math.round(kafkaSeconds)} s`;
  return `elapsed: ${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s (${s} s${kafkaText}${budget})`;
}

function writeResult(result: object): string {
  const file = path.join(benchDir, 'results', `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

/** Everything the Redis instance measured, in phase order, and the Kafka part's result when it ran. */
export interface RedisRun {
  stackStart: StackStart;
  memIdle: ReturnType<typeof memorySnapshot>;
  orders: Awaited<ReturnType<typeof phaseOrders>>;
  view: Awaited<ReturnType<typeof phaseView>>;
  readCeiling: LoadResult;
  staleness: StalenessResult;
  hop: Awaited<ReturnType<typeof phaseHop>>;
  hopThroughput: Awaited<ReturnType<typeof phaseHopThroughput>>;
  events: EventsResult;
  memAfter: ReturnType<typeof memorySnapshot>;
  kafkaResult: KafkaPart | { error: string } | undefined;
}

/**
 * CPU ms per order of the stack's own processes (services, sidecars, MariaDB,
 * Redis): the load generator and the floors are the bench's, not an order's.
 */
function stackCpuPerOrder(perOrder: Record<string, number>): number {
  const ours = Object.entries(perOrder).filter(([name]) => name !== 'bench' && !name.endsWith(' floor'));
  return round(
    ours.reduce((sum, [, ms]) => sum + ms, 0),
    2,
  );
}

/** The report of a run on Redis (--broker redis or both). */
export function reportRedis(r: RedisRun): void {
  const {
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
  } = r;
  const insertFloor = orders.floor;
  const helloFloor = view.floor;
  const kafkaOk = kafkaResult && !('error' in kafkaResult) ? kafkaResult : undefined;

  const summary = {
    orderRatio: round(orders.max.completed / insertFloor.rps, 2),
    orderCeilingRatio: round(hopThroughput.viaDapr.rps / insertFloor.rps, 2),
    readRatio: round(view.result.rps / helloFloor.rps, 2),
    readCeilingRatio: round(readCeiling.rps / helloFloor.rps, 2),
    readStalenessP99Ms: round(staleness.p99, 1),
    hopP50Ms: round(hop.p50Ms, 1),
    eventP99Ms: Math.round(events.p99),
    ...(kafkaOk
      ? { kafkaEventP50Ms: Math.round(kafkaOk.events.p50), kafkaEventP99Ms: Math.round(kafkaOk.events.p99) }
      : {}),
    maxServiceRssMb: Math.round(maxRss(memIdle.services)),
    maxSidecarRssMb: Math.round(maxRss(memIdle.sidecars)),
    maxServicePssMb: Math.round(Math.max(...Object.values(memIdle.services).map((m) => m.pssMb))),
    maxServiceRssAfterMb: Math.round(maxRss(memAfter.services)),
    cpuPerOrderMs: stackCpuPerOrder(orders.cpuMsPerOrder),
    statementsPerOrder: orders.statements.Questions ?? 0,
  };
  const targets = {
    orderRatio: summary.orderRatio >= 0.35,
    readRatio: summary.readRatio >= readRatioTarget,
    readStalenessP99Ms: summary.readStalenessP99Ms <= eventTargetMs,
    hopP50Ms: summary.hopP50Ms <= 1.5,
    eventP99Ms: summary.eventP99Ms <= eventTargetMs,
    ...(kafkaOk ? { kafkaEventP99Ms: Math.round(kafkaOk.events.p99) <= eventTargetMs } : {}),
    maxServicePssMb: summary.maxServicePssMb <= servicePssIdleTargetMb,
    maxServiceRssAfterMb: summary.maxServiceRssAfterMb <= serviceRssAfterTargetMb,
    maxSidecarRssMb: summary.maxSidecarRssMb <= 40,
    cpuPerOrderMs: summary.cpuPerOrderMs <= 6,
    statementsPerOrder: summary.statementsPerOrder <= 10,
  };
  const machine = machineInfo();

  const times = (a: number, b: number) => `x${round(a / Math.max(0.1, b), 1)}`;
  const kafkaRow = (): string[] => {
    if (kafkaResult === undefined) return [];
    if ('error' in kafkaResult) return ['event to view, Kafka', 'failed', kafkaResult.error, ''];
    const k = kafkaResult.events;
    const p99 = Math.round(k.p99);
    return eventRow(
      'event to view, Kafka',
      k,
      `eventP99Ms ${p99} (<= ${eventTargetMs} ${mark(p99 <= eventTargetMs)}), ` +
        `vs Redis p50 ${times(k.p50, events.p50)} p99 ${times(k.p99, events.p99)}`,
    );
  };
  const rows: string[][] = [
    ['measure', 'value', 'floor / detail', 'ratio / target'],
    [
      'insert floor (bare Koa + 1 committed row)',
      `${insertFloor.rps}/s`,
      `halves ${insertFloor.halves.join(' / ')}, errors ${fails(insertFloor)}`,
      '',
    ],
    [
      'orders, max throughput (entry point)',
      `${orders.max.completed}/s`,
      `answered ${orders.max.rps}/s, events done +${orders.max.drainSeconds}s; errors ${fails(orders.max)}; ` +
        `other load ${orders.cpu.otherCores} cores`,
      `orderRatio ${summary.orderRatio} (>= 0.35 ${mark(targets.orderRatio)})`,
    ],
    [
      'per order (max run and its backlog)',
      `${summary.cpuPerOrderMs} ms CPU`,
      `${summary.statementsPerOrder} MariaDB statements`,
      `cpuPerOrderMs <= 6 ${mark(targets.cpuPerOrderMs)}, statementsPerOrder <= 10 ${mark(targets.statementsPerOrder)}`,
    ],
    [`orders at ${orders.half.rate}/s (half)`, lat(orders.half.latency), `errors ${fails(orders.half)}`, ''],
    [
      'hello floor (bare Koa), 20 conn',
      `${helloFloor.rps}/s`,
      `halves ${helloFloor.halves.join(' / ')}, errors ${fails(helloFloor)}`,
      '',
    ],
    [
      `status view, 20 conn ${durations.view}s`,
      `${view.result.rps}/s`,
      `errors ${fails(view.result)}, ${lat(view.result.latency)}, other load ${view.cpu.otherCores} cores`,
      `readRatio ${summary.readRatio} (>= ${readRatioTarget} ${mark(targets.readRatio)})`,
    ],
    [
      "view's state key from customer-dapr, 20 conn",
      `${readCeiling.rps}/s`,
      `errors ${fails(readCeiling)}, ${lat(readCeiling.latency)}`,
      `readCeilingRatio ${summary.readCeilingRatio} (vs hello floor)`,
    ],
    [
      `status read staleness, 2 customer replicas (${staleness.n} reads)`,
      `p50 ${ms(staleness.p50)}`,
      `p99 ${ms(staleness.p99)}, max ${ms(staleness.max)}; ${staleness.staleReads} stale; ` +
        `watcher poll p50 ${ms(staleness.watcherPollP50Ms)}${staleness.misses.length ? `; misses ${staleness.misses.length}` : ''}`,
      `readStalenessP99Ms ${summary.readStalenessP99Ms} (<= ${eventTargetMs} ${mark(targets.readStalenessP99Ms)})`,
    ],
    ['payment /healthz direct, 1 conn', `p50 ${ms(hop.direct.p50)}`, `p99 ${ms(hop.direct.p99)}`, ''],
    ['... through order-dapr -> payment-dapr', `p50 ${ms(hop.viaDapr.p50)}`, `p99 ${ms(hop.viaDapr.p99)}`, ''],
    [
      'sidecar hop (difference)',
      `p50 ${ms(hop.p50Ms)}`,
      `p99 ${ms(hop.p99Ms)}`,
      `hopP50Ms ${summary.hopP50Ms} (<= 1.5 ${mark(targets.hopP50Ms)})`,
    ],
    [
      `payment /healthz direct, ${hopThroughput.connections} conn`,
      `${hopThroughput.direct.rps}/s`,
      `rounds ${hopThroughput.direct.halves.join(' / ')}, errors ${fails(hopThroughput.direct)}`,
      '',
    ],
    [
      `... through order-dapr -> payment-dapr, ${hopThroughput.connections} conn`,
      `${hopThroughput.viaDapr.rps}/s`,
      `rounds ${hopThroughput.viaDapr.halves.join(' / ')}, errors ${fails(hopThroughput.viaDapr)}; ` +
        `${hopThroughput.ratio} of direct`,
      `orderCeilingRatio ${summary.orderCeilingRatio} (vs insert floor)`,
    ],
    eventRow(
      'event to view, Redis Streams',
      events,
      `eventP99Ms ${summary.eventP99Ms} (<= ${eventTargetMs} ${mark(targets.eventP99Ms)})`,
    ),
    kafkaRow(),
  ].filter((r) => r.length > 0);
  const memRows: string[][] = [['process', 'RSS idle', 'PSS idle', 'anon idle', 'file idle', 'RSS after load']];
  for (const [group, idle, after] of [
    ['services', memIdle.services, memAfter.services],
    ['sidecars', memIdle.sidecars, memAfter.sidecars],
  ] as const) {
    for (const [name, m] of Object.entries(idle)) {
      const a = after[name];
      memRows.push([
        name,
        `${m.rssMb} MB`,
        `${m.pssMb} MB`,
        `${m.anonMb} MB`,
        `${m.fileMb} MB`,
        a ? `${a.rssMb} MB` : '-',
      ]);
    }
    memRows.push([`max ${group}`, `${maxRss(idle)} MB`, '', '', '', `${maxRss(after)} MB`]);
  }
  const line = `bench: orderRatio=${summary.orderRatio.toFixed(2)} readRatio=${summary.readRatio.toFixed(2)} readStalenessP99Ms=${summary.readStalenessP99Ms} hopP50Ms=${summary.hopP50Ms.toFixed(1)} eventP99Ms=${summary.eventP99Ms} maxServiceRssMb=${summary.maxServiceRssMb} maxServicePssMb=${summary.maxServicePssMb} maxServiceRssAfterMb=${summary.maxServiceRssAfterMb} maxSidecarRssMb=${summary.maxSidecarRssMb} cpuPerOrderMs=${summary.cpuPerOrderMs} statementsPerOrder=${summary.statementsPerOrder}`;
  const elapsedSeconds = round((Date.now() - t0) / 1000, 1);

  const file = writeResult({
    startedAt: startedAt.toISOString(),
    quick,
    broker: brokerChoice,
    machine,
    stack: {
      dir: rel(stack.paths.stackDir),
      portOffset: stack.topology.portOffset,
      infraWasRunning: stackStart.wasRunning,
      restartedForCompileCache: stackStart.restartedForCache,
      newStateDir: stackStart.newStateDir,
      upSeconds: stackStart.upSeconds,
      /** The share of requests traced (--observe, --sampling-rate); null: not observed. */
      samplingRate: stack.recordedSamplingRate() ?? null,
    },
    settings: { connections, customers, durations, eventOrders, eventWarmupOrders },
    floors: { insert: insertFloor, hello: helloFloor },
    orders: {
      max: orders.max,
      half: orders.half,
      cpu: orders.cpu,
      cpuMsPerOrder: orders.cpuMsPerOrder,
      statementsPerOrder: orders.statements,
    },
    view: { ...view.result, cpu: view.cpu, cpuMsPerRequest: view.cpuMsPerRequest },
    readCeiling: { ...readCeiling, readCeilingRatio: summary.readCeilingRatio },
    readStaleness: staleness,
    hop,
    hopThroughput: { ...hopThroughput, orderCeilingRatio: summary.orderCeilingRatio },
    eventToView: { redis: events, ...(kafkaResult ? { kafka: kafkaJson(kafkaResult) } : {}) },
    memory: { idle: memIdle, afterLoad: memAfter },
    summary,
    targets,
    ...(kafkaResult ? { kafkaLine: kafkaLine(kafkaResult) } : {}),
    line,
    elapsedSeconds,
  });

  console.log(
    `\nbaedal bench${quick ? ' (--quick)' : ''}: ${machine.cpus} x ${machine.cpuModel}, ${machine.memGb} GiB, Node ${machine.node}\n`,
  );
  console.log(table(rows));
  console.log('');
  console.log(table(memRows));
  console.log(
    `\nmemory targets: services PSS idle <= ${servicePssIdleTargetMb} MB ${mark(targets.maxServicePssMb)} (max ${summary.maxServicePssMb}), ` +
      `RSS after load <= ${serviceRssAfterTargetMb} MB ${mark(targets.maxServiceRssAfterMb)} (max ${summary.maxServiceRssAfterMb}); ` +
      `sidecars RSS idle <= 40 MB ${mark(targets.maxSidecarRssMb)}`,
  );
  console.log(
    `\nsidecar hop throughput: direct ${hopThroughput.direct.rps}/s, through two sidecars ${hopThroughput.viaDapr.rps}/s ` +
      `(${hopThroughput.connections} conn); orderCeilingRatio ${summary.orderCeilingRatio} ` +
      `(${hopThroughput.viaDapr.rps}/s over the insert floor's ${insertFloor.rps}/s), orderRatio ${summary.orderRatio}`,
  );
  const cpuLine = (perReq: Record<string, number>) =>
    `${round(
      Object.values(perReq).reduce((a, b) => a + b, 0),
      2,
    )} in all: ${Object.entries(perReq)
      .map(([n, v]) => `${n} ${v}`)
      .join(', ')}`;
  console.log(`CPU ms per order (max-throughput run and its backlog): ${cpuLine(orders.cpuMsPerOrder)}`);
  console.log(`CPU ms per status view read: ${cpuLine(view.cpuMsPerRequest)}`);
  console.log(
    `MariaDB statements per order: ${Object.entries(orders.statements)
      .map(([k, v]) => `${k.replace(/^Com_/, '')} ${v}`)
      .join(', ')}`,
  );
  if (events.misses.length) console.log(`event to view misses (Redis): ${events.misses.slice(0, 5).join('; ')}`);
  if (kafkaOk) {
    const k = kafkaOk.stack;
    console.log(
      `Kafka instance: ${k.dir}, port offset ${k.portOffset}, up in ${k.upSeconds}s` +
        `${k.newStateDir ? ' (new state folder)' : ''}; warm-up round p50 ${ms(kafkaOk.warmup.p50)} ` +
        `p99 ${ms(kafkaOk.warmup.p99)} (${kafkaOk.warmup.n} changes, not counted)`,
    );
    if (kafkaOk.events.misses.length) {
      console.log(`event to view misses (Kafka): ${kafkaOk.events.misses.slice(0, 5).join('; ')}`);
    }
  }
  console.log(`results: ${rel(file)}`);
  console.log(`${elapsedText(elapsedSeconds, kafkaOk?.seconds)}\n`);
  if (kafkaResult) console.log(kafkaLine(kafkaResult));
  console.log(line);
}

/** The report of the Kafka part alone (--broker kafka without --report-to). */
export function reportKafka(part: KafkaPart, rate: number): void {
  const machine = machineInfo();
  const line = kafkaLine(part);
  const elapsedSeconds = round((Date.now() - t0) / 1000, 1);
  const summary = { kafkaEventP50Ms: Math.round(part.events.p50), kafkaEventP99Ms: Math.round(part.events.p99) };
  const file = writeResult({
    startedAt: startedAt.toISOString(),
    quick,
    broker: brokerChoice,
    machine,
    settings: { customers, eventOrders, eventWarmupOrders, eventRate: rate },
    eventToView: { kafka: kafkaJson(part) },
    summary,
    targets: { kafkaEventP99Ms: summary.kafkaEventP99Ms <= eventTargetMs },
    line,
    elapsedSeconds,
  });
  console.log(
    `\nbaedal bench --broker kafka${quick ? ' (--quick)' : ''}: ${machine.cpus} x ${machine.cpuModel}, ${machine.memGb} GiB, Node ${machine.node}\n`,
  );
  console.log(
    table([
      ['measure', 'value', 'detail', 'target'],
      eventRow(
        'event to view, Kafka',
        part.events,
        `eventP99Ms ${summary.kafkaEventP99Ms} (<= ${eventTargetMs} ${mark(summary.kafkaEventP99Ms <= eventTargetMs)})`,
      ),
    ]),
  );
  if (part.events.misses.length) console.log(`\nevent to view misses: ${part.events.misses.slice(0, 5).join('; ')}`);
  console.log(`\nresults: ${rel(file)}`);
  console.log(`${elapsedText(elapsedSeconds)}\n`);
  console.log(line);
}

/** Target of the soak: no process grows by more than this after the warm-up. */
const soakSlopeTargetMiBh = 8;
/** ... and each is back within 20 % of its idle RSS 2 minutes after the load. */
const soakRecoveryTarget = 1.2;

/** The parts of a service's memory the soak reports (phases/soak.ts partsOf), with the heap's three largest spaces. */
const soakParts = ['rss', 'anon', 'file', 'heap', 'heap:new', 'heap:old', 'heap:code', 'external', 'native'] as const;

/**
 * What each Node service's memory is made of, and which part grew: growth after
 * the warm-up in MiB/h, then idle → end of the load → 2 minutes after, in MB.
 */
function reportSoakParts(r: SoakResult): void {
  const services = r.processes.filter((p) => p.parts.idle.heap !== undefined);
  if (services.length === 0) return;
  const cell = (p: SoakResult['processes'][number], part: string) => {
    const mb = (when: 'idle' | 'end' | 'recovered') => p.parts[when][part] ?? '?';
    return `${p.growth[part] ?? '?'} (${mb('idle')}→${mb('end')}→${mb('recovered')})`;
  };
  console.log('\nservices by part: growth after warm-up in MiB/h (MB idle→end→2 min after)');
  console.log(
    table([['process', ...soakParts], ...services.map((p) => [p.name, ...soakParts.map((part) => cell(p, part))])]),
  );
}

/** The report of `--soak`. */
export function reportSoak(r: SoakResult): void {
  const machine = machineInfo();
  const targets = {
    maxRssSlopeMiBh: r.maxRssSlopeMiBh <= soakSlopeTargetMiBh,
    maxRecoveryRatio: r.maxRecoveryRatio <= soakRecoveryTarget,
  };
  const line = `bench: soak maxRssSlopeMiBh=${r.maxRssSlopeMiBh} maxRecoveryRatio=${r.maxRecoveryRatio}`;
  const elapsedSeconds = round((Date.now() - t0) / 1000, 1);
  const file = writeResult({
    startedAt: startedAt.toISOString(),
    soak: r,
    machine,
    summary: { maxRssSlopeMiBh: r.maxRssSlopeMiBh, maxRecoveryRatio: r.maxRecoveryRatio },
    targets,
    line,
    elapsedSeconds,
  });
  console.log(
    `\nbaedal bench --soak (${r.minutes} min): ${machine.cpus} x ${machine.cpuModel}, ${machine.memGb} GiB, Node ${machine.node}\n`,
  );
  console.log(
    `orders ${r.orders.rps}/s (errors ${fails(r.orders)}), order-list reads ${r.reads.rps}/s (errors ${fails(r.reads)}); ` +
      `${r.samples} samples\n`,
  );
  console.log(
    table([
      ['process', 'RSS idle', 'peak', 'at the end', '2 min after', 'growth after warm-up', 'after / idle'],
      ...r.processes.map((p) => [
        p.name,
        `${p.idleRssMb} MB`,
        `${p.peakRssMb} MB`,
        `${p.endRssMb} MB`,
        `${p.recoveredRssMb} MB`,
        `${p.slopeMiBh} MiB/h`,
        `${p.recoveryRatio}`,
      ]),
    ]),
  );
  reportSoakParts(r);
  console.log(
    `\nmaxRssSlopeMiBh ${r.maxRssSlopeMiBh} (<= ${soakSlopeTargetMiBh} ${mark(targets.maxRssSlopeMiBh)}), ` +
      `maxRecoveryRatio ${r.maxRecoveryRatio} (<= ${soakRecoveryTarget} ${mark(targets.maxRecoveryRatio)})`,
  );
  console.log(`\nresults: ${rel(file)}`);
  console.log(`${elapsedText(elapsedSeconds)}\n`);
  console.log(line);
}
