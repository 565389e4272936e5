/**
 * One stack instance from explicit options: its state folder, port offset and
 * broker (and the few settings handed to its processes). Nothing here reads
 * the environment, so one process can drive several instances at once (the
 * bench on its own folder and ports beside the default stack; a test that
 * starts a second instance beside the one it tests). env-instance.ts builds the
 * options of the instance the environment names (`npm run stack`, the tests).
 *
 *   const second = stackInstance({ dir: '.stack-two', portOffset: 2000 });
 *   await second.up();                    // the entry URL, http://127.0.0.1:10080
 *   second.topology.infra.redis.port;     // 18379
 *   await second.down();
 */

import type { Broker } from './broker.ts';
import { brokerRecord } from './broker.ts';
import { codeStamps } from './code-stamp.ts';
import { stackComponents } from './components.ts';
import { stackDaprd } from './daprd.ts';
import { infraProcesses } from './infra.ts';
import { stackKafka } from './kafka.ts';
import { observeRecord, stackObserve } from './observe.ts';
import { stackPaths } from './paths.ts';
import { stackProcs } from './proc.ts';
import { stackProcesses } from './processes.ts';
import { stackSentry } from './sentry.ts';
import { stackTopology } from './topology.ts';
import type { AppSettings } from './topology.ts';

export interface StackOptions {
  /** The state folder, relative to the repository root or absolute (the default stack's is `.stack`). */
  dir: string;
  /** Added to every port (topology.ts); 0 is the default stack's. */
  portOffset: number;
  /** The broker `up` uses when not told; default: the one the state folder remembers, else Redis. */
  broker?: Broker;
  /**
   * Whether `up` brings Zipkin and Prometheus and traces every request (observe.ts) when not told;
   * default: what the state folder remembers, else not.
   */
  observe?: boolean;
  /** The share of requests an observed `up` traces when not told (observe.ts; default: as remembered, else 1). */
  samplingRate?: number;
  /** The entry port outright, whatever the offset (default: 8080 plus the offset). */
  entryPort?: number;
  /** Environment handed to every app (topology.ts appSettingNames: rate limits, re-drive, log level, Node flags). */
  appSettings?: AppSettings;
  /** Whether order may call payment's GET /healthz through its sidecar (components.ts withHopProbe). */
  measureHop?: boolean;
  /** daprd's --log-level (default warn). */
  daprdLogLevel?: string;
  /** Kafka's heap, as -Xmx takes it (default 256m). */
  kafkaHeap?: string;
  /** The payment service's timers at its own defaults (topology.ts), not the local stack's short ones. */
  productionTimers?: boolean;
}

export type StackInstance = ReturnType<typeof stackInstance>;

export function stackInstance(options: StackOptions) {
  const paths = stackPaths(options.dir);
  const observed = observeRecord(paths);
  const topology = stackTopology({
    stackDir: paths.stackDir,
    samplingRate: observed.recordedSamplingRate,
    portOffset: options.portOffset,
    entryPort: options.entryPort,
    appSettings: options.appSettings,
    productionTimers: options.productionTimers,
  });
  const procs = stackProcs(paths);
  const brokers = brokerRecord(paths);
  const components = stackComponents(paths, topology, options.measureHop ?? false, observed.recordedSamplingRate);
  const sentry = stackSentry(paths, topology, components);
  const daprd = stackDaprd(paths, topology, sentry, options.daprdLogLevel);
  const kafka = stackKafka(paths, topology, options.kafkaHeap);
  const observability = stackObserve(paths, topology);
  const infra = infraProcesses(paths, topology, procs, kafka, sentry, observability);
  const stamps = codeStamps(paths.stackDir);
  const processes = stackProcesses({
    paths,
    topology,
    procs,
    brokers,
    components,
    daprd,
    infra,
    stamps,
    observeRecord: observed,
    observability,
    broker: options.broker,
    observe: options.observe,
    samplingRate: options.samplingRate,
  });
  const { stackUp, stackDown, stackStatus, ...operations } = processes;
  return {
    paths,
    topology,
    /** Start everything that is not running and wait until it is ready; returns the entry URL. */
    up: stackUp,
    /** Stop every process of the instance (its data stays). */
    down: stackDown,
    /** One row per process: pid, port, readiness. */
    status: stackStatus,
    ...operations,
    /** The broker of the instance: the remembered one, Redis before the first `up`. */
    broker: brokers.stackBroker,
    recordedBroker: brokers.recordedBroker,
    recordBroker: brokers.recordBroker,
    /** Whether the instance is observed (`up --observe`), as its state folder remembers. */
    recordedObserve: observed.recordedObserve,
    /** The share of requests the observed instance traces, as its state folder remembers (undefined: not observed). */
    recordedSamplingRate: observed.recordedSamplingRate,
    /** Remember whether the instance is observed, and at which rate, for its next `up` (none of it may run). */
    recordObserve: observed.recordObserve,
    /** Zipkin's and Prometheus' addresses and processes (used only when observed). */
    observability,
    daprd,
    kafka,
    components,
  };
}
