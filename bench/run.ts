/**
 * `npm run bench -- [--quick] [--keep] [--broker both|redis|kafka] [--connections N] [--profile]`: every
 * speed figure of baedal, each against a floor measured in the same run on the
 * same machine (machines here are noisy; a ratio travels, a raw number does not).
 *
 * It runs on its own stack instances, never on the default stack: the Redis
 * one (state in .stack-bench, every port shifted by 3000: entry point
 * http://127.0.0.1:11080) for every phase, and a second one whose pub/sub is
 * Kafka (.stack-bench-kafka, ports shifted by 11000: http://127.0.0.1:19080)
 * for event to view on Kafka (apart from the Kafka test stack at 1000 and the
 * default stack, which may all run at once). Every run empties an instance's databases and
 * Redis (and Kafka's data), then (re)starts its apps and sidecars with the rate
 * limits and re-drive off (RATE_LIMIT_ENABLED=false, OUTBOX_REDRIVE_AFTER_SECONDS=0), so it measures the code as it is now,
 * from the same data, and idle memory right after a start (a second start when
 * Node's compile cache was cold for some module). At the end the instances are
 * stopped again, unless --keep.
 *
 * Phases (one run):
 *   1. orders: POST /api/orders through the entry point (edge, order, payment
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
 *      (Redis instance).
 * Beside them: CPU milliseconds per order and per view read by process,
 * MariaDB statements per order, and the CPU other processes of the machine
 * used meanwhile.
 *
 * Output: a table, bench/results/<timestamp>.json, the elapsed time, and the
 * closing lines (the first only when Kafka ran, the second only when Redis did)
 *   bench: kafka eventP50Ms=… eventP99Ms=…
 *   bench: orderRatio=… readRatio=… hopP50Ms=… eventP99Ms=… maxServiceRssMb=… maxSidecarRssMb=…
 *
 * Options:
 *   --quick          shorter phases: the whole run on both brokers in under 3 minutes
 *   --keep           leave the bench stacks running
 *   --broker B       both (default): everything on Redis, then event to view on Kafka;
 *                    redis: everything on Redis, no Kafka instance;
 *                    kafka: only event to view on Kafka, with background orders at
 *                    --event-rate N per second (default: the rate of the newest Redis
 *                    run in bench/results, so the figures stay comparable)
 *   --connections N  orders, insert floor and hop throughput (default 32)
 *   --profile        services run with --cpu-prof; profiles land in <state dir>/profiles when they stop
 *   --report-to F    (internal) the Kafka part of a run on both: write its result to F, print no report
 * Instances: BAEDAL_BENCH_STACK_DIR, BAEDAL_BENCH_PORT_OFFSET (Redis), BAEDAL_BENCH_KAFKA_STACK_DIR,
 * BAEDAL_BENCH_KAFKA_PORT_OFFSET (Kafka). Kafka's jars come through Maven once (tools/kafka/fetch.sh,
 * cached in ~/.cache/baedal/kafka).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import mysql from 'mysql2/promise';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    connections: { type: 'string', default: '32' },
    broker: { type: 'string', default: 'both' },
    'event-rate': { type: 'string' },
    'report-to': { type: 'string' },
  },
});
const quick = opts.quick;
const connections = Number(opts.connections);
if (!Number.isInteger(connections) || connections < 1) throw new Error('--connections must be a positive integer');
const brokerChoices = ['both', 'redis', 'kafka'] as const;
type BrokerChoice = (typeof brokerChoices)[number];
const isBrokerChoice = (v: string): v is BrokerChoice => (brokerChoices as readonly string[]).includes(v);
if (!isBrokerChoice(opts.broker)) throw new Error(`--broker must be one of ${brokerChoices.join(', ')}`);
const brokerChoice = opts.broker;
const eventRateSetting = opts['event-rate'] === undefined ? undefined : Number(opts['event-rate']);
if (eventRateSetting !== undefined && !(Number.isInteger(eventRateSetting) && eventRateSetting >= 1)) {
  throw new Error('--event-rate must be a positive integer (orders per second)');
}

// Seconds of each phase: [quick, full].
const durations = {
  warmup: quick ? 2 : 3,
  orders: quick ? 8 : 20,
  view: quick ? 10 : 40,
  hopRound: quick ? 3 : 5,
  hopRounds: quick ? 2 : 3,
  // Hop throughput: two interleaved rounds of this many seconds each, directly and through the sidecars.
  hopLoadRound: quick ? 2.5 : 5,
  idle: quick ? 6 : 10,
};
// Three samples per order: at least 100 in --quick, so p99 is not simply the maximum.
const eventOrders = quick ? 34 : 100;
/** Orders of the Kafka instance's warm-up round of the event phase (samples discarded). */
const eventWarmupOrders = 3;
/** Synthetic customers whose tokens the order load rotates through. */
const customers = 500;

// ---- the stack instance (before the stack modules load: they read these once) ----

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = path.resolve(benchDir, '..');
const instances = {
  redis: {
    dir: process.env.BAEDAL_BENCH_STACK_DIR?.trim() || '.stack-bench',
    offset: process.env.BAEDAL_BENCH_PORT_OFFSET?.trim() || '3000',
  },
  kafka: {
    dir: process.env.BAEDAL_BENCH_KAFKA_STACK_DIR?.trim() || '.stack-bench-kafka',
    offset: process.env.BAEDAL_BENCH_KAFKA_PORT_OFFSET?.trim() || '11000',
  },
};
for (const [name, i] of Object.entries(instances)) {
  if (path.resolve(repoRoot, i.dir) === path.join(repoRoot, '.stack') || Number(i.offset) === 0) {
    console.error(`[bench] refusing to run the ${name} instance on the default stack (.stack, port offset 0)`);
    process.exit(2);
  }
}
if (
  path.resolve(repoRoot, instances.redis.dir) === path.resolve(repoRoot, instances.kafka.dir) ||
  Number(instances.redis.offset) === Number(instances.kafka.offset)
) {
  console.error('[bench] the Redis and Kafka bench instances need their own state folders and port offsets');
  process.exit(2);
}
/**
 * The broker of the instance this process drives. The stack modules bind to one
 * instance when they load, so a run on both brokers does the Kafka part in a
 * second process of this same script (--broker kafka --report-to FILE).
 */
const instanceBroker: 'redis' | 'kafka' = brokerChoice === 'kafka' ? 'kafka' : 'redis';
const instance = instances[instanceBroker];
process.env.BAEDAL_STACK_DIR = instance.dir;
process.env.BAEDAL_PORT_OFFSET = instance.offset;
process.env.RATE_LIMIT_ENABLED = 'false';
// The hop phases call payment's GET /healthz through order-dapr (tools/stack/components.ts withHopProbe).
process.env.BAEDAL_MEASURE_HOP = '1';
// Re-drive off: a phase's orders would otherwise be published once more a minute later,
// in the middle of another phase. Its cost (one more publish of a quiet key's latest
// event, a duplicate for each consumer) is not in these figures.
process.env.OUTBOX_REDRIVE_AFTER_SECONDS = '0';
delete process.env.RATE_LIMIT_PER_USER;
delete process.env.RATE_LIMIT_PER_ADDRESS;
delete process.env.GATEWAY_PORT;
delete process.env.PORT;
const profileDir = path.resolve(repoRoot, instance.dir, 'profiles');
if (opts.profile) process.env.BAEDAL_NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${profileDir}`;

const stack = await import('../tools/stack/processes.ts');
const topology = await import('../tools/stack/topology.ts');
const paths = await import('../tools/stack/paths.ts');
const brokerState = await import('../tools/stack/broker.ts');
const { appTokens } = await import('../tools/stack/tokens.ts');
/** What the app would show its own sidecar: the bench calls sidecars as their apps do. */
const sidecarHeaders = (app: string) => ({ 'dapr-api-token': appTokens(app).daprApiToken });
const kafka = await import('../tools/stack/kafka.ts');
const scenarios = await import('../loadtests/local/scenarios.ts');
const { demoStores } = await import('@baedal/platform/contracts/demo');

// The Kafka part of a run on both counts from the run's start (BAEDAL_BENCH_T0, epoch ms), so the log reads as one.
const t0 = Number(process.env.BAEDAL_BENCH_T0) || Date.now();
const logTag = instanceBroker === 'kafka' ? 'bench kafka' : 'bench';
const log = (line: string) =>
  console.error(`[${logTag} ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${line}`);
stack.setStackLogger((line) => log(`stack: ${line}`));

const entry = `http://127.0.0.1:${topology.entryPort}`;
const appNamed = (name: string) => {
  const app = topology.appByName(name);
  if (!app) throw new Error(`no app ${name}`);
  return app;
};
const orderApp = appNamed('order');
const paymentApp = appNamed('payment');
const customerApp = appNamed('customer');
const floorPorts = { hello: topology.port(3190), insert: topology.port(3191) };

// ---- small helpers ------------------------------------------------------------

function quantile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

function percentiles(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const r = (v: number) => Math.round(v * 100) / 100;
  return {
    n: s.length,
    p50: r(quantile(s, 50)),
    p90: r(quantile(s, 90)),
    p99: r(quantile(s, 99)),
    max: r(s.at(-1) ?? NaN),
  };
}

const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;

interface LoadResult {
  /** 2xx answers per second over the run. */
  rps: number;
  ok: number;
  /** Answers that were not 2xx, by status, and connection errors / timeouts. */
  failures: Record<string, number>;
  seconds: number;
  latency: ReturnType<typeof percentiles>;
}

interface LoadSpec {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  /** Bearer tokens to rotate through, one per request. */
  tokens?: string[];
  connections: number;
  seconds: number;
  /** Requests per second over all connections (autocannon's overallRate); unset: as fast as possible. */
  rate?: number;
  /**
   * A number of requests instead of `seconds`: the run ends when the last answer
   * is in, with nothing in flight (a timed run drops the requests in flight).
   */
  amount?: number;
}

/** One autocannon run; returns its instance (to stop it early) and the result. */
function load(spec: LoadSpec): { stop: () => void; done: Promise<LoadResult> } {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const tokens = spec.tokens ?? [];
  const request: autocannon.Request = {
    method: spec.method ?? 'GET',
    ...(spec.body === undefined ? {} : { body: spec.body }),
    headers: { ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }), ...spec.headers },
    ...(tokens.length
      ? {
          setupRequest: (req: autocannon.Request) => ({
            ...req,
            headers: { ...req.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` },
          }),
        }
      : {}),
  };
  let instance: autocannon.Instance | undefined;
  const started = performance.now();
  let lastAnswer = started;
  const done = new Promise<LoadResult>((resolve, reject) => {
    instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        // autocannon notices the end of a run by amount only at its next sample tick (a second by
        // default): tick every 100 ms so it ends soon after, and time the run from the answers.
        ...(spec.amount ? { amount: spec.amount, sampleInt: 100 } : { duration: spec.seconds }),
        timeout: 10,
        requests: [request],
        ...(spec.rate ? { overallRate: spec.rate } : {}),
      },
      (err, res) => {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        const failures: Record<string, number> = {};
        let ok = 0;
        for (const [status, n] of statuses) {
          if (status >= 200 && status < 300) ok += n;
          else failures[`status ${status}`] = n;
        }
        if (res.timeouts) failures.timeouts = res.timeouts;
        if (res.errors > res.timeouts) failures.errors = res.errors - res.timeouts;
        const seconds = spec.amount ? round((lastAnswer - started) / 1000, 2) : res.duration;
        resolve({
          rps: round(ok / seconds),
          ok,
          failures,
          seconds,
          latency: percentiles(latencies),
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      lastAnswer = performance.now();
      latencies.push(responseTime);
      statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
    });
  });
  return { stop: () => instance?.stop(), done };
}

const run = (spec: LoadSpec) => load(spec).done;

/**
 * An open-loop load at a fixed rate: request i is due at i / rate seconds, evenly
 * spaced (autocannon's overallRate releases each second's quota in a burst at
 * the start of the second instead). Latency counts from the due time, so a
 * request that waited for a free connection (the system fell behind) shows it.
 */
function paced(spec: LoadSpec & { rate: number }): { stop: () => void; done: Promise<LoadResult> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
  const tokens = spec.tokens ?? [];
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let ok = 0;
  let stopped = false;
  const inFlight = new Set<Promise<void>>();
  const send = (due: number, n: number) =>
    new Promise<void>((resolve) => {
      const req = http.request(
        spec.url,
        {
          method: spec.method ?? 'GET',
          agent,
          headers: {
            ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...spec.headers,
            ...(tokens.length ? { authorization: `Bearer ${tokens[n % tokens.length]}` } : {}),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            latencies.push(performance.now() - due);
            if (status >= 200 && status < 300) ok++;
            else failures[`status ${status}`] = (failures[`status ${status}`] ?? 0) + 1;
            resolve();
          });
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', (e) => {
        const key = e.message === 'timeout' ? 'timeouts' : 'errors';
        failures[key] = (failures[key] ?? 0) + 1;
        resolve();
      });
      req.end(spec.body);
    });
  const done = (async (): Promise<LoadResult> => {
    const started = performance.now();
    const interval = 1000 / spec.rate;
    let n = 0;
    while (!stopped && performance.now() - started < spec.seconds * 1000) {
      const now = performance.now();
      for (; started + n * interval <= now; n++) {
        const p = send(started + n * interval, n);
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      }
      await sleep(Math.max(0, started + n * interval - performance.now()));
    }
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(inFlight);
    agent.destroy();
    return { rps: round(ok / seconds), ok, failures, seconds: round(seconds, 2), latency: percentiles(latencies) };
  })();
  return {
    stop: () => {
      stopped = true;
    },
    done,
  };
}
const failed = (r: LoadResult) => Object.values(r.failures).reduce((a, b) => a + b, 0);

// ---- memory -------------------------------------------------------------------

interface Mem {
  rssMb: number;
  pssMb: number;
  anonMb: number;
  fileMb: number;
}

function memOf(pid: number): Mem | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
    const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const mb = (v: number) => round(v / 1024);
    return {
      rssMb: mb(kb(status, 'VmRSS')),
      pssMb: mb(kb(rollup, 'Pss')),
      anonMb: mb(kb(status, 'RssAnon')),
      fileMb: mb(kb(status, 'RssFile')),
    };
  } catch {
    return null;
  }
}

function memorySnapshot(): { services: Record<string, Mem>; sidecars: Record<string, Mem> } {
  const services: Record<string, Mem> = {};
  const sidecars: Record<string, Mem> = {};
  for (const app of topology.apps) {
    const pid = stack.pidOf(app.name);
    const m = pid === null ? null : memOf(pid);
    if (m) services[app.name] = m;
    if (app.dapr) {
      const spid = stack.pidOf(`${app.name}-dapr`);
      const s = spid === null ? null : memOf(spid);
      if (s) sidecars[`${app.name}-dapr`] = s;
    }
  }
  return { services, sidecars };
}

const maxRss = (group: Record<string, Mem>) => Math.max(...Object.values(group).map((m) => m.rssMb));

// ---- CPU per process (where the time of a phase goes) -----------------------------

const clockTicks = 100; // USER_HZ on Linux

function cpuTicks(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after "pid (comm) ".
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return NaN;
  }
}

/** Every process of the instance, the floors, and this one (the load generator). */
function ourPids(): Record<string, number> {
  const pids: Record<string, number> = { bench: process.pid };
  for (const name of stack.stackNames()) {
    const pid = stack.pidOf(name);
    if (pid !== null) pids[name] = pid;
  }
  for (const [name, child] of floorProcesses) if (child.pid !== undefined) pids[`${name} floor`] = child.pid;
  return pids;
}

/** Busy and steal time of the whole machine, in ticks (/proc/stat). */
function machineTicks(): { busy: number; steal: number } {
  const f = (fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return { busy: user + nice + system + irq + softirq, steal };
}

export interface CpuUse {
  seconds: number;
  /** CPU milliseconds of each of our processes. */
  ms: Record<string, number>;
  /** Cores busy with other work on the machine meanwhile (other users, other stacks), and stolen by the hypervisor. */
  otherCores: number;
  stealCores: number;
}

/** Starts counting; the returned function tells where the CPU went since then. */
function cpuMeter(): () => CpuUse {
  const pids = ourPids();
  const before = Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, cpuTicks(pid)]));
  const machine = machineTicks();
  const started = performance.now();
  return () => {
    const seconds = (performance.now() - started) / 1000;
    const ms: Record<string, number> = {};
    for (const [n, pid] of Object.entries(pids)) {
      const v = Math.round(((cpuTicks(pid) - (before[n] ?? 0)) * 1000) / clockTicks);
      if (v > 0) ms[n] = v;
    }
    const now = machineTicks();
    const ours = Object.values(ms).reduce((a, b) => a + b, 0) / 1000;
    const busy = (now.busy - machine.busy) / clockTicks;
    return {
      seconds: round(seconds, 1),
      ms,
      otherCores: round(Math.max(0, busy - ours) / seconds, 2),
      stealCores: round((now.steal - machine.steal) / clockTicks / seconds, 2),
    };
  };
}

/** CPU milliseconds per request by process, largest first. */
function perRequest(use: CpuUse, requests: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(use.ms)
      .sort((a, b) => b[1] - a[1])
      .map(([n, v]) => [n, round(v / Math.max(1, requests), 2)] as const)
      .filter(([, v]) => v > 0),
  );
}

// ---- database access of the instance (root over the socket) ---------------------

async function rootDb(): Promise<mysql.Connection> {
  return mysql.createConnection({ socketPath: paths.mariadbSocket(), user: 'root', multipleStatements: true });
}

const floorDb = {
  name: 'baedal_bench',
  user: 'bench',
  password: topology.localDemoSecrets.dbPassword('bench'),
};

async function prepareFloorDb(): Promise<void> {
  const db = await rootDb();
  try {
    const pw = db.escape(floorDb.password);
    await db.query(`
      create database if not exists ${floorDb.name} character set utf8mb4 collate utf8mb4_unicode_ci;
      create user if not exists '${floorDb.user}'@'127.0.0.1' identified by ${pw};
      alter user '${floorDb.user}'@'127.0.0.1' identified by ${pw};
      grant all privileges on ${floorDb.name}.* to '${floorDb.user}'@'127.0.0.1';
      create table if not exists ${floorDb.name}.floor_row (
        id char(36) not null primary key,
        body json not null,
        created_at datetime(3) not null
      ) engine=InnoDB default charset=utf8mb4;
      truncate table ${floorDb.name}.floor_row;`);
  } finally {
    await db.end();
  }
}

// ---- the event pipeline: outboxes and stream consumers -----------------------------

/** One command to the instance's Redis; resolves with its reply (RESP2, parsed). */
function redisQuery(...args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port: topology.infra.redis.port });
    let buffer = Buffer.alloc(0);
    sock.setTimeout(10_000, () => sock.destroy(new Error('redis: no reply')));
    sock.once('connect', () =>
      sock.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`),
    );
    sock.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const parsed = parseResp(buffer, 0);
      if (!parsed) return;
      sock.end();
      if (parsed.value instanceof Error) reject(parsed.value);
      else resolve(parsed.value);
    });
    sock.once('error', reject);
  });
}

/** A RESP2 value at `at`, or undefined when the buffer does not hold all of it yet. */
function parseResp(buf: Buffer, at: number): { value: unknown; end: number } | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const line = buf.toString('utf8', at + 1, eol);
  switch (String.fromCharCode(buf[at] ?? 0)) {
    case '+':
      return { value: line, end: eol + 2 };
    case '-':
      return { value: new Error(line), end: eol + 2 };
    case ':':
      return { value: Number(line), end: eol + 2 };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, end: eol + 2 };
      if (buf.length < eol + 2 + n + 2) return undefined;
      return { value: buf.toString('utf8', eol + 2, eol + 2 + n), end: eol + 2 + n + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, end: eol + 2 };
      const items: unknown[] = [];
      let end = eol + 2;
      for (let i = 0; i < n; i++) {
        const item = parseResp(buf, end);
        if (!item) return undefined;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new Error(`redis: unexpected reply ${line}`);
  }
}

const topicsToWatch = ['orders', 'deliveries', 'payments', 'catalog'];

/**
 * Whether every event is out and handled: no outbox holds a pending event, and
 * every consumer group of every topic's stream has read and acknowledged all.
 */
async function eventsCaughtUp(db: mysql.Connection): Promise<boolean> {
  const [rows] = await db.query(
    ['baedal_order', 'baedal_payment', 'baedal_store', 'baedal_delivery']
      .map((d) => `select count(*) as n from ${d}.outbox where state = 'pending'`)
      .join(' union all '),
  );
  if ((rows as { n: number }[]).some((r) => Number(r.n) > 0)) return false;
  // On Kafka the consumer groups' lag is not read (that would take a Kafka client): the
  // outboxes, then settle()'s idle CPU, tell when the events are handled.
  if (instanceBroker === 'kafka') return true;
  for (const topic of topicsToWatch) {
    let groups: unknown;
    try {
      groups = await redisQuery('XINFO', 'GROUPS', topic);
    } catch {
      continue; // no stream yet: nothing was published on this topic
    }
    for (const g of groups as unknown[][]) {
      const fields = new Map<string, unknown>();
      for (let i = 0; i + 1 < g.length; i += 2) fields.set(String(g[i]), g[i + 1]);
      if (Number(fields.get('pending') ?? 0) > 0 || Number(fields.get('lag') ?? 0) > 0) return false;
    }
  }
  return true;
}

/** Polls until every event is out and handled (or the deadline); returns when that was. */
async function waitForEvents(deadline: number): Promise<number> {
  const db = await rootDb();
  try {
    while (!(await eventsCaughtUp(db)) && performance.now() < deadline) await sleep(50);
    return performance.now();
  } finally {
    await db.end();
  }
}

/**
 * Waits until the previous phase's work is done: no event waiting in any
 * outbox, then the machine's CPU mostly idle (subscribers have caught up).
 */
async function settle(maxSeconds = 45): Promise<void> {
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  await waitForEvents(deadline);
  const cpu = () => {
    const f = (fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    return { idle, total: f.reduce((a, b) => a + b, 0) };
  };
  const eventSeconds = (performance.now() - started) / 1000;
  let calm = 0;
  while (calm < 2 && performance.now() < deadline) {
    const a = cpu();
    await sleep(500);
    const b = cpu();
    const busy = 1 - (b.idle - a.idle) / Math.max(1, b.total - a.total);
    calm = busy < 0.25 ? calm + 1 : 0;
  }
  log(
    `settled in ${((performance.now() - started) / 1000).toFixed(1)}s ` +
      `(events handled after ${eventSeconds.toFixed(1)}s, then until the CPU was idle)`,
  );
}

/** MariaDB's statement counters (SHOW GLOBAL STATUS): what the database was asked to do. */
async function statementCounters(): Promise<Record<string, number>> {
  const db = await rootDb();
  try {
    const [rows] = await db.query(
      "show global status where Variable_name in ('Questions', 'Com_select', 'Com_insert', 'Com_update', " +
        "'Com_delete', 'Com_begin', 'Com_commit', 'Com_rollback')",
    );
    return Object.fromEntries(
      (rows as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name, Number(r.Value)]),
    );
  } finally {
    await db.end();
  }
}

// ---- floors -------------------------------------------------------------------

const floorProcesses = new Map<'hello' | 'insert', ChildProcess>();

async function startFloor(name: 'hello' | 'insert', env: Record<string, string>): Promise<void> {
  const logPath = paths.logFile(`bench-floor-${name}`);
  fs.mkdirSync(path.dirname(logPath), { recursive: true });
  const out = fs.openSync(logPath, 'a');
  const child = spawn(process.execPath, [path.join(benchDir, 'floors', `${name}.ts`)], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_ENV: 'development',
      ...(process.env.BAEDAL_NODE_OPTIONS && !opts.profile ? { NODE_OPTIONS: process.env.BAEDAL_NODE_OPTIONS } : {}),
      PORT: String(floorPorts[name]),
      ...env,
    },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  floorProcesses.set(name, child);
  const deadline = Date.now() + 20_000;
  while (!(await answers(`http://127.0.0.1:${floorPorts[name]}/`))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`the ${name} floor did not start; see ${paths.rel(logPath)}`);
    }
    await sleep(100);
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    await (await fetch(url, { signal: AbortSignal.timeout(1000) })).arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

function stopFloors(): void {
  for (const child of floorProcesses.values()) if (child.exitCode === null) child.kill('SIGTERM');
  floorProcesses.clear();
}

// ---- the API --------------------------------------------------------------------

async function api<T>(method: string, route: string, token?: string, body?: unknown) {
  const res = await fetch(`${entry}${route}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

const store = demoStores[0];
const orderBody = (line: string) => ({
  storeId: store.id,
  items: [{ menuItemId: store.items[0].id, quantity: 1 }],
  deliveryAddress: { line, lat: store.location.lat + 0.002, lng: store.location.lng + 0.002 },
});

/** Tokens of many customers, signed as the edge's login signs them (the instance's local demo secret). */
async function customerTokens(n: number): Promise<string[]> {
  const env = topology.appEnv(orderApp);
  const key = new TextEncoder().encode(env.JWT_SECRET);
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      new SignJWT({ username: `bench-${i}`, role: 'customer' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(randomUUID())
        .setIssuer(env.JWT_ISSUER ?? '')
        .setAudience(env.JWT_AUDIENCE ?? '')
        .setIssuedAt()
        .setExpirationTime('2h')
        .sign(key),
    ),
  );
}

interface StreamView {
  status: string;
  history: { status: string; at: string }[];
}

/** The customer's live stream of one order: every view it sends, with its arrival time (epoch ms). */
async function openStream(orderId: string, token: string) {
  const abort = new AbortController();
  const res = await fetch(`${entry}/api/order-status/${orderId}/stream`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`stream of ${orderId}: ${res.status}`);
  const waiting: { status: string; resolve: (v: { view: StreamView; at: number }) => void }[] = [];
  const seen: { view: StreamView; at: number }[] = [];
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        const at = performance.timeOrigin + performance.now();
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const chunk = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = chunk
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          if (!data) continue;
          const item = { view: JSON.parse(data) as StreamView, at };
          seen.push(item);
          for (const w of waiting.splice(0)) {
            if (w.status === item.view.status) w.resolve(item);
            else waiting.push(w);
          }
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    /** Resolves when a view with this status arrives (or has arrived). */
    next(status: string, timeoutMs = 10_000): Promise<{ view: StreamView; at: number }> {
      const found = seen.find((s) => s.view.status === status);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${orderId}: no ${status} on the stream`)), timeoutMs);
        waiting.push({
          status,
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v);
          },
        });
      });
    },
    close: () => abort.abort(),
  };
}

// ---- the phases ---------------------------------------------------------------

function compileCacheEntries(): Set<string> {
  const dir = topology.appEnv(orderApp).NODE_COMPILE_CACHE;
  if (!dir || !fs.existsSync(dir)) return new Set();
  return new Set(fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }));
}

async function stopApps(): Promise<void> {
  await Promise.all(
    topology.apps
      .filter((a) => stack.isRunning(a.name) || (a.dapr !== null && stack.isRunning(`${a.name}-dapr`)))
      .map((a) => stack.stopApp(a.name)),
  );
}

/**
 * Every run starts from empty service databases, an empty Redis (streams, the
 * view's state) and, on Kafka, an empty broker (formatted again at the start):
 * data earlier runs left would make later runs slower (tables outgrow the buffer
 * pool) and the figures depend on history; events of an earlier run would reach
 * consumers whose databases no longer know them.
 */
async function resetData(): Promise<void> {
  if (instanceBroker === 'kafka') {
    if (stack.isRunning('kafka')) await stack.stopApp('kafka');
    fs.rmSync(kafka.kafkaDataDir, { recursive: true, force: true });
  }
  await stack.startApp('mariadb');
  await stack.startApp('redis');
  const db = await rootDb();
  try {
    await db.query(
      topology.apps.flatMap((a) => (a.database ? [`drop database if exists \`${a.database}\``] : [])).join('; '),
    );
  } finally {
    await db.end();
  }
  const flushed = await redisQuery('FLUSHALL');
  if (flushed !== 'OK') throw new Error(`redis FLUSHALL: ${String(flushed)}`);
}

interface StackStart {
  wasRunning: boolean;
  restartedForCache: boolean;
  /** Whether the state folder was new (MariaDB initialised, migrations from scratch). */
  newStateDir: boolean;
  /** Seconds of `up` (infra, apps and sidecars until every /readyz answers), the first start when there were two. */
  upSeconds: number;
}

async function ensureStack(): Promise<StackStart> {
  const newStateDir = !fs.existsSync(path.join(paths.dataDir, 'mariadb'));
  // A stack remembers its broker and refuses to switch while any of it runs (a
  // bench folder reused with another broker): take it down first, then switch.
  if (brokerState.recordedBroker() !== instanceBroker) {
    await stack.stackDown();
    brokerState.recordBroker(instanceBroker);
  }
  const wasRunning = stack.isRunning('mariadb') || stack.isRunning('redis');
  // Apps and sidecars start fresh every run: the code as it is now, rate limits off, idle memory after a start.
  await stopApps();
  log(`emptying the databases and Redis${instanceBroker === 'kafka' ? ' and Kafka' : ''} of the instance`);
  await resetData();
  const cached = compileCacheEntries();
  const upStarted = performance.now();
  await stack.stackUp({ broker: instanceBroker });
  const upSeconds = round((performance.now() - upStarted) / 1000, 1);
  // A module new to Node's compile cache (changed code, first run) was type-stripped at this
  // start, which loads the stripper for good: start once more so idle memory is a warm start's.
  // The Kafka instance measures no memory, so it keeps its first start.
  const added = [...compileCacheEntries()].filter((f) => !cached.has(f)).length;
  if (added > 0 && instanceBroker === 'redis') {
    log(`${added} compile cache entries were new (changed code): starting the apps once more`);
    await stopApps();
    await stack.stackUp({ broker: instanceBroker });
  }
  return { wasRunning, restartedForCache: added > 0 && instanceBroker === 'redis', newStateDir, upSeconds };
}

/** Two load results of the same spec as one (a floor measured in halves around its route). */
function combine(a: LoadResult, b: LoadResult): LoadResult & { halves: [number, number] } {
  const failures: Record<string, number> = { ...a.failures };
  for (const [k, v] of Object.entries(b.failures)) failures[k] = (failures[k] ?? 0) + v;
  const seconds = a.seconds + b.seconds;
  return {
    rps: round((a.ok + b.ok) / seconds),
    ok: a.ok + b.ok,
    failures,
    seconds,
    // Latencies of a floor are not reported; keep the first half's.
    latency: a.latency,
    halves: [a.rps, b.rps],
  };
}

/**
 * A floor is measured in two halves, just before and just after the route it
 * is the floor of, in its own process, with the route's autocannon settings:
 * whatever else the machine did meanwhile weighs on both alike.
 */
async function floorHalves(name: 'hello' | 'insert', spec: LoadSpec, route: () => Promise<void>) {
  log(`${name} floor, first half: ${spec.connections} connections, ${spec.seconds}s`);
  await run({ ...spec, seconds: durations.warmup });
  const first = await run(spec);
  await route();
  log(`${name} floor, second half: ${spec.seconds}s`);
  const second = await run(spec);
  return combine(first, second);
}

async function startInsertFloor(): Promise<void> {
  await prepareFloorDb();
  await startFloor('insert', {
    DB_HOST: '127.0.0.1',
    DB_PORT: String(topology.infra.mariadb.port),
    DB_NAME: floorDb.name,
    DB_USER: floorDb.user,
    DB_PASSWORD: floorDb.password,
  });
}

async function phaseOrders(tokens: string[]) {
  const orderSpec: LoadSpec = {
    url: `${entry}/api/orders`,
    method: 'POST',
    body: JSON.stringify(orderBody('bench')),
    tokens,
    connections,
    seconds: durations.orders,
  };
  await startInsertFloor();
  let max: LoadResult | undefined;
  let cpu: CpuUse | undefined;
  let statements: Record<string, number> = {};
  let completed = 0;
  let drainSeconds = 0;
  const floor = await floorHalves(
    'insert',
    { ...orderSpec, url: `http://127.0.0.1:${floorPorts.insert}/api/orders`, seconds: durations.orders / 2 },
    async () => {
      log(`orders: warm-up ${durations.warmup}s, then max throughput for ${durations.orders}s (${connections} conn)`);
      await run({ ...orderSpec, seconds: durations.warmup });
      await settle();
      const meter = cpuMeter();
      const countersBefore = await statementCounters();
      max = await run(orderSpec);
      // An order is placed once its event is out and handled (outbox relay, pub/sub,
      // every consumer): what the run left behind counts against its rate.
      const runEnd = performance.now();
      drainSeconds = round((Math.max(runEnd, await waitForEvents(runEnd + 120_000)) - runEnd) / 1000, 2);
      completed = round(max.ok / (max.seconds + drainSeconds));
      log(`orders: ${max.rps}/s answered, ${completed}/s with their events handled (+${drainSeconds}s)`);
      // CPU per order by process: the backlog the run left (events) is part of an order's cost.
      await settle();
      cpu = meter();
      const countersAfter = await statementCounters();
      const ok = max.ok;
      statements = Object.fromEntries(
        Object.entries(countersAfter).map(([k, v]) => [k, round((v - (countersBefore[k] ?? 0)) / Math.max(1, ok), 2)]),
      );
    },
  );
  stopFloors();
  if (!max || !cpu) throw new Error('the order run did not happen');
  const rate = Math.max(1, Math.round(completed / 2));
  log(`orders: fixed rate ${rate}/s for ${durations.orders}s`);
  const half = await paced({ ...orderSpec, rate }).done;
  await settle();
  return {
    floor,
    max: { ...max, completed, drainSeconds },
    half: { ...half, rate },
    cpu,
    cpuMsPerOrder: perRequest(cpu, max.ok),
    statements,
  };
}

async function phaseView() {
  log('status view: setup (log in as alice, place an order, wait for its view)');
  const { token, orderId } = await scenarios.siegeSetup(entry);
  const viewSpec: LoadSpec = {
    url: `${entry}/api/order-status/${orderId}`,
    headers: { authorization: `Bearer ${token}` },
    connections: 20,
    seconds: durations.view,
  };
  await startFloor('hello', {});
  let view: LoadResult | undefined;
  let cpu: CpuUse | undefined;
  const floor = await floorHalves(
    'hello',
    {
      ...viewSpec,
      url: `http://127.0.0.1:${floorPorts.hello}/api/order-status/${orderId}`,
      seconds: durations.view / 2,
    },
    async () => {
      log(`status view: 20 connections for ${durations.view}s`);
      await run({ ...viewSpec, seconds: durations.warmup });
      const meter = cpuMeter();
      view = await run(viewSpec);
      cpu = meter();
    },
  );
  stopFloors();
  if (!view || !cpu) throw new Error('the view run did not happen');
  return { floor, result: view, cpu, cpuMsPerRequest: perRequest(cpu, view.ok), orderId };
}

/**
 * The structural ceiling of a view read: the same 20 connections reading the
 * view's key straight from the customer's sidecar (state API -> Redis), no edge
 * and no service. Every view read makes that one state read, so readRatio
 * cannot beat (this rps) / (hello floor) on this machine.
 */
async function phaseReadCeiling(orderId: string) {
  const sidecar = customerApp.dapr;
  if (!sidecar) throw new Error('customer has no sidecar');
  const url = `http://127.0.0.1:${sidecar.httpPort}/v1.0/state/statestore/${encodeURIComponent(`order-view:${orderId}`)}`;
  const seconds = Math.max(5, durations.view / 4);
  log(`read ceiling: the view's state key straight from customer-dapr, 20 connections for ${seconds}s`);
  const headers = sidecarHeaders('customer');
  await run({ url, headers, connections: 20, seconds: durations.warmup });
  return run({ url, headers, connections: 20, seconds });
}

async function phaseHop() {
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
async function phaseHopThroughput() {
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

async function phaseEvents(tokens: string[], backgroundRate: number, orders = eventOrders, what = 'event to view') {
  log(
    `${what} on ${instanceBroker}: ${orders} orders x 3 owner actions, orders placed at ${backgroundRate}/s meanwhile`,
  );
  const alice = (
    await api<{ accessToken: string }>('POST', '/api/auth/login', undefined, {
      username: 'alice',
      password: 'demo-pass',
    })
  ).body.accessToken;
  const owner = (
    await api<{ accessToken: string }>('POST', '/api/auth/login', undefined, {
      username: 'owner1',
      password: 'demo-pass',
    })
  ).body.accessToken;
  const orderIds: string[] = [];
  for (let i = 0; i < orders; i++) {
    const r = await api<{ id: string }>('POST', '/api/orders', alice, orderBody(`event ${i}`));
    if (r.status !== 201) throw new Error(`placing an order: ${r.status} ${JSON.stringify(r.body)}`);
    orderIds.push(r.body.id);
  }
  const background = paced({
    url: `${entry}/api/orders`,
    method: 'POST',
    body: JSON.stringify(orderBody('background')),
    tokens,
    connections: 8,
    seconds: 600,
    rate: backgroundRate,
  });
  await sleep(1000);
  const samples: number[] = [];
  const detail: { orderId: string; status: string; changedAt: string; ms: number }[] = [];
  const misses: string[] = [];
  const steps = [
    ['accept', 'ACCEPTED'],
    ['start-cooking', 'COOKING'],
    ['finish-cooking', 'COOKED'],
  ] as const;
  try {
    for (const orderId of orderIds) {
      const stream = await openStream(orderId, alice);
      try {
        await stream.next('PAID');
        for (const [action, status] of steps) {
          // The store learns of a new order through its own subscription: 404 until then.
          let r = await api('POST', `/api/store/orders/${orderId}/${action}`, owner);
          for (let i = 0; i < 200 && r.status === 404; i++) {
            await sleep(10);
            r = await api('POST', `/api/store/orders/${orderId}/${action}`, owner);
          }
          if (r.status !== 200) {
            misses.push(`${action} ${orderId}: ${r.status}`);
            break;
          }
          const seen = await stream.next(status);
          const changedAt = seen.view.history.find((h) => h.status === status)?.at;
          if (!changedAt) throw new Error(`${orderId}: ${status} without a history entry`);
          const ms = round(seen.at - Date.parse(changedAt), 1);
          samples.push(ms);
          detail.push({ orderId, status, changedAt, ms });
        }
      } catch (e) {
        misses.push((e as Error).message);
      } finally {
        stream.close();
      }
    }
  } finally {
    background.stop();
  }
  const bg = await background.done;
  return {
    ...percentiles(samples),
    misses,
    background: { rate: backgroundRate, rps: bg.rps, failures: bg.failures },
    samples: detail,
  };
}

// ---- report -------------------------------------------------------------------

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

const fails = (r: LoadResult) => {
  const n = failed(r);
  return n === 0
    ? '0'
    : `${n} (${Object.entries(r.failures)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')})`;
};

// ---- the Kafka part -------------------------------------------------------------

type EventsResult = Awaited<ReturnType<typeof phaseEvents>>;

/** Event to view on the Kafka instance, as a Kafka part reports it (to the run on both, or printed alone). */
interface KafkaPart {
  events: EventsResult;
  /** The warm-up round before it; its samples are not part of the figures. */
  warmup: { n: number; p50: number; p99: number; misses: number };
  stack: { dir: string; portOffset: number; infraWasRunning: boolean; newStateDir: boolean; upSeconds: number };
  /** From the part's start until its instance was stopped (or left running, --keep). */
  seconds: number;
}

/** In a process bound to the Kafka instance: start it from empty, warm it up, measure, stop it (unless --keep). */
async function kafkaPart(rate: number): Promise<KafkaPart> {
  const started = Date.now();
  log(`event to view on Kafka: ${paths.rel(paths.stackDir)} (port offset ${topology.portOffset}, ${entry})`);
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
      dir: paths.rel(paths.stackDir),
      portOffset: topology.portOffset,
      infraWasRunning: stackStart.wasRunning,
      newStateDir: stackStart.newStateDir,
      upSeconds: stackStart.upSeconds,
    },
    seconds: round((Date.now() - started) / 1000, 1),
  };
}

let kafkaChild: ChildProcess | undefined;

/**
 * The Kafka part of a run on both brokers: this script again, in a second
 * process bound to the Kafka instance (the stack modules bind to one instance
 * when they load). Its log lines go to stderr like ours; its result comes back
 * through a file. A failure there does not lose the Redis figures.
 */
async function runKafkaPart(rate: number): Promise<KafkaPart | { error: string }> {
  const report = path.join(os.tmpdir(), `baedal-bench-kafka-${process.pid}.json`);
  fs.rmSync(report, { force: true });
  const args = [
    fileURLToPath(import.meta.url),
    ...['--broker', 'kafka', '--event-rate', String(rate), '--report-to', report],
    ...['--connections', String(connections)],
    ...(quick ? ['--quick'] : []),
    ...(opts.keep ? ['--keep'] : []),
    ...(opts.profile ? ['--profile'] : []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, BAEDAL_BENCH_T0: String(t0) },
    // Its stdout too goes to our stderr, with the log: our stdout is the report alone.
    stdio: ['ignore', 2, 2],
  });
  kafkaChild = child;
  const failure = await new Promise<string | null>((resolve) => {
    child.once('error', (e) => resolve(e.message));
    child.once('exit', (code, signal) => resolve(code === 0 ? null : `exit ${code ?? signal}`));
  });
  kafkaChild = undefined;
  try {
    if (failure) return { error: `the Kafka part failed (${failure}); its log lines above say why` };
    return JSON.parse(fs.readFileSync(report, 'utf8')) as KafkaPart;
  } finally {
    fs.rmSync(report, { force: true });
  }
}

/** --broker kafka alone: the background rate of the newest Redis run in bench/results (comparable figures). */
function lastRedisEventRate(): number | undefined {
  const dir = path.join(benchDir, 'results');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  for (const f of files.sort().reverse()) {
    try {
      const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as {
        eventToView?: { redis?: { background?: { rate?: number } } };
        events?: { background?: { rate?: number } };
      };
      const rate = r.eventToView?.redis?.background?.rate ?? r.events?.background?.rate;
      if (typeof rate === 'number' && rate >= 1) return rate;
    } catch {
      // not a result file
    }
  }
  return undefined;
}

// ---- report helpers ---------------------------------------------------------------

const ms = (v: number) => `${v.toFixed(1)} ms`;
const lat = (l: LoadResult['latency']) => `p50 ${ms(l.p50)} p90 ${ms(l.p90)} p99 ${ms(l.p99)}`;
const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');
/** Target of event to view, on either broker: the status on the customer's screen within 100 ms at p99. */
const eventTargetMs = 100;
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

// ---- main ---------------------------------------------------------------------

let stopStackAtEnd = !opts.keep;
let interrupted = false;
async function cleanup(): Promise<void> {
  stopFloors();
  if (stopStackAtEnd) {
    stopStackAtEnd = false;
    log(`stopping the bench stack (${paths.rel(paths.stackDir)}); --keep leaves it running`);
    await stack.stackDown();
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
    const child = kafkaChild;
    // A signal to this process alone is handed on, so the Kafka part stops its instance too.
    if (child && child.exitCode === null) child.kill('SIGTERM');
    const childGone = new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    void Promise.all([childGone, cleanup()]).finally(() => process.exit(130));
  });
}

/** --broker kafka: event to view on the Kafka instance only (or, with --report-to, the Kafka part of a run on both). */
async function mainKafka(): Promise<void> {
  let rate = eventRateSetting;
  if (rate === undefined) {
    rate = lastRedisEventRate() ?? 20;
    log(`background orders at ${rate}/s: the newest Redis run's rate in bench/results or 20 (--event-rate sets it)`);
  }
  const part = await kafkaPart(rate);
  const reportTo = opts['report-to'];
  if (reportTo !== undefined) {
    fs.writeFileSync(reportTo, JSON.stringify(part));
    return;
  }
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
  console.log(`\nresults: ${paths.rel(file)}`);
  console.log(`${elapsedText(elapsedSeconds)}\n`);
  console.log(line);
}

/** --broker redis or both: every phase on the Redis instance, then (both) event to view on Kafka. */
async function mainRedis(): Promise<void> {
  log(`bench ${quick ? '--quick ' : ''}on ${paths.rel(paths.stackDir)} (port offset ${topology.portOffset}, ${entry})`);
  if (opts.profile) fs.mkdirSync(profileDir, { recursive: true });
  const stackStart = await ensureStack();
  log(`idle for ${durations.idle}s, then memory`);
  await sleep(durations.idle * 1000);
  const memIdle = memorySnapshot();

  const tokens = await customerTokens(customers);
  const orders = await phaseOrders(tokens);
  const insertFloor = orders.floor;
  const view = await phaseView();
  const helloFloor = view.floor;
  const readCeiling = await phaseReadCeiling(view.orderId);
  await settle();
  const hop = await phaseHop();
  const hopThroughput = await phaseHopThroughput();
  const eventRate = Math.max(1, Math.round(orders.max.completed / 4));
  const events = await phaseEvents(tokens, eventRate);
  await settle(15);
  const memAfter = memorySnapshot();

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
  const kafkaOk = kafkaResult && !('error' in kafkaResult) ? kafkaResult : undefined;

  const summary = {
    orderRatio: round(orders.max.completed / insertFloor.rps, 2),
    orderCeilingRatio: round(hopThroughput.viaDapr.rps / insertFloor.rps, 2),
    readRatio: round(view.result.rps / helloFloor.rps, 2),
    readCeilingRatio: round(readCeiling.rps / helloFloor.rps, 2),
    hopP50Ms: round(hop.p50Ms, 1),
    eventP99Ms: Math.round(events.p99),
    ...(kafkaOk
      ? { kafkaEventP50Ms: Math.round(kafkaOk.events.p50), kafkaEventP99Ms: Math.round(kafkaOk.events.p99) }
      : {}),
    maxServiceRssMb: Math.round(maxRss(memIdle.services)),
    maxSidecarRssMb: Math.round(maxRss(memIdle.sidecars)),
  };
  const targets = {
    orderRatio: summary.orderRatio >= 0.35,
    readRatio: summary.readRatio >= 0.5,
    hopP50Ms: summary.hopP50Ms <= 1.5,
    eventP99Ms: summary.eventP99Ms <= eventTargetMs,
    ...(kafkaOk ? { kafkaEventP99Ms: Math.round(kafkaOk.events.p99) <= eventTargetMs } : {}),
    maxServiceRssMb: summary.maxServiceRssMb <= 80,
    maxSidecarRssMb: summary.maxSidecarRssMb <= 40,
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
      `readRatio ${summary.readRatio} (>= 0.5 ${mark(targets.readRatio)})`,
    ],
    [
      "view's state key from customer-dapr, 20 conn",
      `${readCeiling.rps}/s`,
      `errors ${fails(readCeiling)}, ${lat(readCeiling.latency)}`,
      `readCeilingRatio ${summary.readCeilingRatio} (vs hello floor)`,
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
  const line = `bench: orderRatio=${summary.orderRatio.toFixed(2)} readRatio=${summary.readRatio.toFixed(2)} hopP50Ms=${summary.hopP50Ms.toFixed(1)} eventP99Ms=${summary.eventP99Ms} maxServiceRssMb=${summary.maxServiceRssMb} maxSidecarRssMb=${summary.maxSidecarRssMb}`;
  const elapsedSeconds = round((Date.now() - t0) / 1000, 1);

  const file = writeResult({
    startedAt: startedAt.toISOString(),
    quick,
    broker: brokerChoice,
    machine,
    stack: {
      dir: paths.rel(paths.stackDir),
      portOffset: topology.portOffset,
      infraWasRunning: stackStart.wasRunning,
      restartedForCompileCache: stackStart.restartedForCache,
      newStateDir: stackStart.newStateDir,
      upSeconds: stackStart.upSeconds,
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
    `\nmemory targets: services <= 80 MB ${mark(targets.maxServiceRssMb)}, sidecars <= 40 MB ${mark(targets.maxSidecarRssMb)} (idle RSS)`,
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
  console.log(`results: ${paths.rel(file)}`);
  console.log(`${elapsedText(elapsedSeconds, kafkaOk?.seconds)}\n`);
  if (kafkaResult) console.log(kafkaLine(kafkaResult));
  console.log(line);
}

const startedAt = new Date(t0);
try {
  if (instanceBroker === 'kafka') await mainKafka();
  else await mainRedis();
} catch (e) {
  await cleanup().catch((err: unknown) => log(`cleanup failed: ${(err as Error).message}`));
  throw e;
}
