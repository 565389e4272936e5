/**
 * An observed stack (`npm run stack -- up --observe`, remembered like the
 * broker): Jaeger and Prometheus as two more processes of the stack, and
 * every sidecar tracing every request to that Jaeger (components.ts
 * `withTracing`; the apps get TRACE_SAMPLING_RATE=1, topology.ts). The
 * instance option `observe` (instance.ts) is what `up` does when not told.
 *
 * - Jaeger v2, built once from its Go module by tools/jaeger/build.sh (about
 *   ten minutes cold, cached outside the repo), its configuration rendered
 *   from tools/jaeger/config.yaml into <state dir>/jaeger/; traces in memory.
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
import { rel, repoRoot } from './paths.ts';
import type { StackPaths } from './paths.ts';
import { StackError, httpStatus, runToolScript } from './proc.ts';
import type { ProcSpec } from './proc.ts';
import type { StackTopology } from './topology.ts';

/** The alert and recording rules (the chart carries a copy: tools/k8s/sync-chart-files.sh). */
export const prometheusRulesFile = path.join(repoRoot, 'deploy', 'prometheus', 'rules.yml');

export type ObserveRecord = ReturnType<typeof observeRecord>;

/** Whether one instance is observed, as remembered in its state folder (`up --observe`, `up --no-observe`). */
export function observeRecord(paths: StackPaths) {
  const { observeFile, ensureStateDirs } = paths;

  /** Whether this stack runs with Jaeger and Prometheus and traces every request. */
  function recordedObserve(): boolean {
    try {
      return fs.readFileSync(observeFile, 'utf8').trim() === 'on';
    } catch {
      return false;
    }
  }

  function recordObserve(on: boolean): void {
    if (!on) {
      fs.rmSync(observeFile, { force: true });
      return;
    }
    ensureStateDirs();
    fs.writeFileSync(observeFile, 'on\n');
  }

  return { recordedObserve, recordObserve };
}

export type StackObserve = ReturnType<typeof stackObserve>;

/** Jaeger and Prometheus of one instance: their configuration, processes and readiness. */
export function stackObserve(paths: StackPaths, topology: StackTopology) {
  const { dataDir, stackDir } = paths;
  const { apps, infra } = topology;

  const jaegerConfigFile = path.join(stackDir, 'jaeger', 'config.yaml');
  const prometheusConfigFile = path.join(stackDir, 'prometheus', 'prometheus.yml');
  const prometheusDataDir = path.join(dataDir, 'prometheus');

  /** What identifies each in /proc/<pid>/cmdline: its per-instance configuration file. */
  const jaegerMarker = `--config ${jaegerConfigFile}`;
  const prometheusMarker = `--config.file=${prometheusConfigFile}`;

  /** Where a person opens them (Jaeger's query API: a build from the Go module has no UI, its root is a placeholder). */
  const jaegerUrl = `http://127.0.0.1:${infra.jaeger.port}`;
  const jaegerApiUrl = `${jaegerUrl}/api/services`;
  const prometheusUrl = `http://127.0.0.1:${infra.prometheus.port}`;

  /** tools/jaeger/config.yaml with this instance's ports. */
  function renderJaegerConfig(): string {
    const template = fs.readFileSync(path.join(repoRoot, 'tools', 'jaeger', 'config.yaml'), 'utf8');
    const text = template
      .replaceAll('@QUERY_HTTP_PORT@', String(infra.jaeger.port))
      .replaceAll('@QUERY_GRPC_PORT@', String(infra.jaeger.queryGrpcPort))
      .replaceAll('@OTLP_GRPC_PORT@', String(infra.jaeger.otlpPort));
    const left = /@[A-Z_]+@/.exec(text);
    if (left) throw new StackError(`tools/jaeger/config.yaml: unknown placeholder ${left[0]}`);
    return `# Rendered by tools/stack/observe.ts from tools/jaeger/config.yaml: edit the template.\n${text}`;
  }

  /** The binary (tools/jaeger/build.sh: instant when cached, else a build whose progress is shown), and its configuration. */
  async function prepareJaeger(): Promise<ProcSpec> {
    const binary = await runToolScript(path.join(repoRoot, 'tools', 'jaeger', 'build.sh'), repoRoot);
    writeIfChanged(jaegerConfigFile, renderJaegerConfig());
    return {
      id: 'jaeger',
      command: binary,
      args: ['--config', jaegerConfigFile],
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? repoRoot },
      marker: jaegerMarker,
    };
  }

  /** Ready when its query API answers (the UI is served from the same port). */
  async function jaegerProbe(): Promise<true | string> {
    const status = await httpStatus(jaegerApiUrl);
    return status === 200 ? true : `jaeger /api/services: ${status ?? 'no answer'}`;
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
    jaegerMarker,
    prometheusMarker,
    jaegerUrl,
    jaegerApiUrl,
    prometheusUrl,
    renderJaegerConfig,
    renderPrometheusConfig,
    writePrometheusConfig,
    prepareJaeger,
    jaegerProbe,
    preparePrometheus,
    prometheusProbe,
  };
}
