/**
 * An observed stack (`npm run stack -- up --observe`, remembered like the
 * broker): Zipkin and Prometheus as two more processes of the stack, and
 * every sidecar tracing to that Zipkin the share of requests its sampling rate
 * says (components.ts `withTracing`; the apps get the same number as
 * TRACE_SAMPLING_RATE, topology.ts): every one, unless `up --sampling-rate R`
 * (remembered with it). The instance options `observe` and `samplingRate`
 * (instance.ts) are what `up` does when not told.
 *
 * - Zipkin server (UI included), the jar upstream publishes on Maven Central,
 *   fetched once by tools/zipkin/fetch.sh and cached outside the repo; run
 *   with a bounded heap and its settings in <state dir>/zipkin/zipkin.yml;
 *   spans in memory. docs/adr/0006-zipkin-for-local-traces.md says why Zipkin.
 * - Prometheus from the Debian package `prometheus` (tools/setup.sh), run as
 *   the stack's own process (not the packaged service) with its data under
 *   <state dir>/data/prometheus, scraping every app's /metrics and every
 *   sidecar's metrics port, with the alert and recording rules of
 *   deploy/prometheus/rules.yml.
 *
 * Both listen on 127.0.0.1 only, on ports of the instance's topology (topology.ts
 * `infra`).
 */

import fs from 'node:fs';
import path from 'node:path';

import { stringify } from 'yaml';

import { writeIfChanged } from './components.ts';
import { findBinary } from './infra.ts';
import { javaBinary } from './kafka.ts';
import { rel, repoRoot } from './paths.ts';
import type { StackPaths } from './paths.ts';
import { httpStatus, runToolScript, StackError } from './proc.ts';
import type { ProcSpec } from './proc.ts';
import type { StackTopology } from './topology.ts';

/**
 * Spans Zipkin keeps in memory, the oldest dropped first: an order's trace has
 * about 100, so the last thousand orders or so, within the heap below.
 */
const zipkinMaxSpans = 100_000;
/** Zipkin's heap: its spans plus the server's own (measured: docs/observability.md). */
const zipkinHeap = '256m';

/** The alert and recording rules (the chart carries a copy: tools/k8s/sync-chart-files.sh). */
export const prometheusRulesFile = path.join(repoRoot, 'deploy', 'prometheus', 'rules.yml');

/** The share of requests an observed stack traces when `up` is not told another. */
export const defaultSamplingRate = 1;

/** A sampling rate as `--sampling-rate` gives it: a number from 0 to 1, as Dapr's Configuration takes it. */
export function checkSamplingRate(text: string, what = '--sampling-rate'): number {
  const rate = Number(text);
  if (text.trim() === '' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
    throw new StackError(`${what} ${text}: a number from 0 to 1 (the share of requests traced), e.g. 0.1`);
  }
  return rate;
}

export type ObserveRecord = ReturnType<typeof observeRecord>;

/** Whether one instance is observed, as remembered in its state folder (`up --observe`, `up --no-observe`). */
export function observeRecord(paths: StackPaths) {
  const { observeFile, ensureStateDirs } = paths;

  /** The file's words: `on` and the sampling rate (a file of an older stack has `on` alone). */
  function words(): string[] {
    try {
      return fs.readFileSync(observeFile, 'utf8').trim().split(/\s+/);
    } catch {
      return [];
    }
  }

  /** Whether this stack runs with Zipkin and Prometheus and traces requests. */
  function recordedObserve(): boolean {
    return words()[0] === 'on';
  }

  /** The share of requests the stack traces: undefined when it is not observed. */
  function recordedSamplingRate(): number | undefined {
    const [on, rate] = words();
    if (on !== 'on') return undefined;
    return rate === undefined ? defaultSamplingRate : checkSamplingRate(rate, observeFile);
  }

  function recordObserve(on: boolean, samplingRate = defaultSamplingRate): void {
    if (!on) {
      fs.rmSync(observeFile, { force: true });
      return;
    }
    ensureStateDirs();
    fs.writeFileSync(observeFile, `on ${samplingRate}\n`);
  }

  return { recordedObserve, recordedSamplingRate, recordObserve };
}

export type StackObserve = ReturnType<typeof stackObserve>;

/** Zipkin and Prometheus of one instance: their configuration, processes and readiness. */
export function stackObserve(paths: StackPaths, topology: StackTopology) {
  const { dataDir, stackDir } = paths;
  const { apps, infra } = topology;

  const zipkinConfigFile = path.join(stackDir, 'zipkin', 'zipkin.yml');
  const prometheusConfigFile = path.join(stackDir, 'prometheus', 'prometheus.yml');
  const prometheusDataDir = path.join(dataDir, 'prometheus');

  /** What identifies each in /proc/<pid>/cmdline: its per-instance configuration file. */
  const zipkinMarker = `--spring.config.additional-location=file:${zipkinConfigFile}`;
  const prometheusMarker = `--config.file=${prometheusConfigFile}`;

  /** Where a person opens them: Zipkin's API and (under /zipkin/) its UI, Prometheus's UI. */
  const zipkinUrl = `http://127.0.0.1:${infra.zipkin.port}`;
  const zipkinUiUrl = `${zipkinUrl}/zipkin/`;
  const prometheusUrl = `http://127.0.0.1:${infra.prometheus.port}`;

  /**
   * Zipkin's settings for this instance (Spring Boot properties over the jar's
   * own zipkin-server-shared.yml): its one listener on 127.0.0.1 (the jar's
   * default binds every address; the list replaces the jar's whole `ports`),
   * in-memory storage, no self-tracing.
   */
  function renderZipkinConfig(): string {
    const config = {
      armeria: { ports: [{ ip: '127.0.0.1', port: infra.zipkin.port, protocols: ['http'] }] },
      zipkin: {
        storage: { type: 'mem', mem: { 'max-spans': zipkinMaxSpans } },
        'self-tracing': { enabled: false },
      },
      // Warnings, and the line naming the address it serves on.
      logging: { level: { root: 'WARN' } },
    };
    return `# Rendered by tools/stack/observe.ts for ${rel(stackDir)}: the stack's Zipkin.\n${stringify(config)}`;
  }

  /** The jar (tools/zipkin/fetch.sh: instant when cached, else a download whose progress is shown), and its settings. */
  async function prepareZipkin(): Promise<ProcSpec> {
    const jar = await runToolScript(path.join(repoRoot, 'tools', 'zipkin', 'fetch.sh'), repoRoot);
    writeIfChanged(zipkinConfigFile, renderZipkinConfig());
    return {
      id: 'zipkin',
      command: javaBinary('Zipkin'),
      args: [
        `-Xmx${zipkinHeap}`,
        '-Xms16m',
        // A small server on a shared machine: one GC thread, C1 only (less start-up CPU and
        // code cache), smaller thread stacks; measured RSS in docs/observability.md.
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '-XX:ReservedCodeCacheSize=48m',
        '-Xss512k',
        '-Djava.awt.headless=true',
        '-jar',
        jar,
        zipkinMarker,
      ],
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? repoRoot },
      marker: zipkinMarker,
    };
  }

  /** Ready when it says its storage is up (UI and API are served from the same port). */
  async function zipkinProbe(): Promise<true | string> {
    const status = await httpStatus(`${zipkinUrl}/health`);
    return status === 200 ? true : `zipkin /health: ${status ?? 'no answer'}`;
  }

  /**
   * Prometheus's configuration for this instance: one scrape job for the apps'
   * /metrics and one for the sidecars' metrics ports (replicas included), each
   * target labelled with the stack's name for its process; the rules of
   * deploy/prometheus/rules.yml. Scrapes and rule evaluations every 5 s, so an
   * alert shows within seconds of its condition on a local stack.
   */
  function renderPrometheusConfig(): string {
    const target = (port: number, process: string) => ({ targets: [`127.0.0.1:${port}`], labels: { process } });
    const config = {
      global: { scrape_interval: '5s', scrape_timeout: '4s', evaluation_interval: '5s' },
      rule_files: [prometheusRulesFile],
      scrape_configs: [
        { job_name: 'apps', static_configs: apps.map((a) => target(a.appPort, a.name)) },
        {
          job_name: 'sidecars',
          static_configs: apps.flatMap((a) => (a.dapr ? [target(a.dapr.metricsPort, `${a.name}-dapr`)] : [])),
        },
      ],
    };
    return `# Rendered by tools/stack/observe.ts for ${rel(stackDir)}: the stack's apps and sidecars.\n${stringify(config)}`;
  }

  /** Write the configuration; returns whether it changed (a running Prometheus then reloads it on SIGHUP). */
  function writePrometheusConfig(): boolean {
    return writeIfChanged(prometheusConfigFile, renderPrometheusConfig());
  }

  function preparePrometheus(): ProcSpec {
    writePrometheusConfig();
    fs.mkdirSync(prometheusDataDir, { recursive: true });
    return {
      id: 'prometheus',
      command: findBinary(['prometheus'], 'prometheus'),
      args: [
        `--config.file=${prometheusConfigFile}`,
        `--storage.tsdb.path=${prometheusDataDir}`,
        // A local stack's history: two days are plenty, and keep the folder small.
        '--storage.tsdb.retention.time=2d',
        `--web.listen-address=127.0.0.1:${infra.prometheus.port}`,
        '--log.level=warn',
      ],
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? repoRoot },
      marker: prometheusMarker,
    };
  }

  async function prometheusProbe(): Promise<true | string> {
    const status = await httpStatus(`${prometheusUrl}/-/ready`);
    return status === 200 ? true : `prometheus /-/ready: ${status ?? 'no answer'}`;
  }

  return {
    zipkinMarker,
    prometheusMarker,
    zipkinUrl,
    zipkinUiUrl,
    prometheusUrl,
    renderZipkinConfig,
    renderPrometheusConfig,
    writePrometheusConfig,
    prepareZipkin,
    zipkinProbe,
    preparePrometheus,
    prometheusProbe,
  };
}
