/**
 * What one bench run is: its command line (documented in run.ts), how long each
 * phase lasts, which stack instance this process drives (bench/instance.ts
 * builds it from these options), and its log.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkSamplingRate, defaultSamplingRate } from '../tools/stack/observe.ts';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    observe: { type: 'boolean', default: false },
    'sampling-rate': { type: 'string' },
    connections: { type: 'string', default: '32' },
    broker: { type: 'string', default: 'both' },
    'event-rate': { type: 'string' },
    'report-to': { type: 'string' },
    soak: { type: 'boolean', default: false },
    'soak-minutes': { type: 'string', default: '30' },
  },
});
export const quick = opts.quick;
export const keep = opts.keep;
export const profile = opts.profile;
if (opts['sampling-rate'] !== undefined && !opts.observe) throw new Error('--sampling-rate needs --observe');
/**
 * --observe [--sampling-rate R]: the share of requests the instance traces, as
 * `up --observe [--sampling-rate R]` does (Zipkin, Prometheus; every request
 * unless R says otherwise); undefined: not observed.
 */
export const samplingRate = opts.observe
  ? opts['sampling-rate'] === undefined
    ? defaultSamplingRate
    : checkSamplingRate(opts['sampling-rate'])
  : undefined;
/** --report-to: this process is the Kafka part of a run on both; its result goes to this file. */
export const reportTo = opts['report-to'];
/** --soak: only the soak (phases/soak.ts), --soak-minutes long, on the Redis instance. */
export const soak = opts.soak;
export const soakMinutes = Number(opts['soak-minutes']);
if (!(soakMinutes > 0 && soakMinutes <= 24 * 60))
  throw new Error('--soak-minutes must be a number of minutes, 0 < N <= 1440');
export const connections = Number(opts.connections);
if (!Number.isInteger(connections) || connections < 1) throw new Error('--connections must be a positive integer');
const brokerChoices = ['both', 'redis', 'kafka'] as const;
type BrokerChoice = (typeof brokerChoices)[number];
const isBrokerChoice = (v: string): v is BrokerChoice => (brokerChoices as readonly string[]).includes(v);
if (!isBrokerChoice(opts.broker)) throw new Error(`--broker must be one of ${brokerChoices.join(', ')}`);
export const brokerChoice: BrokerChoice = opts.broker;
export const eventRateSetting = opts['event-rate'] === undefined ? undefined : Number(opts['event-rate']);
if (eventRateSetting !== undefined && !(Number.isInteger(eventRateSetting) && eventRateSetting >= 1)) {
  throw new Error('--event-rate must be a positive integer (orders per second)');
}

// Seconds of each phase: [quick, full].
export const durations = {
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
export const eventOrders = quick ? 34 : 100;
/** Orders of the Kafka instance's warm-up round of the event phase (samples discarded). */
export const eventWarmupOrders = 3;
/** Synthetic customers whose tokens the order load rotates through. */
export const customers = 500;

// ---- the stack instances ------------------------------------------------------

export const benchDir = fileURLToPath(new URL('.', import.meta.url));
export const repoRoot = path.resolve(benchDir, '..');
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
 * The broker of the instance this process drives. Every phase measures that one
 * instance (bench/instance.ts), so a run on both brokers does the Kafka part in a
 * second process of this same script (--broker kafka --report-to FILE).
 */
export const instanceBroker: 'redis' | 'kafka' = brokerChoice === 'kafka' ? 'kafka' : 'redis';
export const instance = instances[instanceBroker];
export const profileDir = path.resolve(repoRoot, instance.dir, 'profiles');

// ---- the log ------------------------------------------------------------------

// The Kafka part of a run on both counts from the run's start (BAEDAL_BENCH_T0, epoch ms), so the log reads as one.
export const t0 = Number(process.env.BAEDAL_BENCH_T0) || Date.now();
export const startedAt = new Date(t0);
const logTag = instanceBroker === 'kafka' ? 'bench kafka' : 'bench';
export const log = (line: string) =>
  console.error(`[${logTag} ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${line}`);
