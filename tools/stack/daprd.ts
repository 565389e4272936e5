/**
 * The Dapr sidecar of the local stack: where its binary is and how it is run.
 */

import path from 'node:path';

import { builtBinary } from './built-binary.ts';
import { StackError } from './proc.ts';
import { repoRoot } from './paths.ts';
import { sidecarRuntimeEnv } from './runtime-env.ts';
import type { StackPaths } from './paths.ts';
import { controlPlaneTrustDomain, namespace } from './sentry.ts';
import type { StackSentry } from './sentry.ts';
import { serviceOf } from './topology.ts';
import type { AppSpec, StackTopology } from './topology.ts';

/** Ports a sidecar listens on (checked to be free before it starts). */
export function sidecarPorts(app: AppSpec): number[] {
  const d = app.dapr;
  return d ? [d.httpPort, d.grpcPort, d.internalGrpcPort, d.metricsPort] : [];
}

export type StackDaprd = ReturnType<typeof stackDaprd>;

/** The sidecars of one instance; `daprdLogLevel` is daprd's --log-level (warn unless told). */
export function stackDaprd(paths: StackPaths, topology: StackTopology, sentry: StackSentry, daprdLogLevel = 'warn') {
  const { componentsDir } = paths;
  const { infra, appTokens } = topology;
  const { trustAnchors } = sentry;

  /** Absolute path of daprd, as tools/daprd/build.sh names it (built-binary.ts). */
  function daprdBinary(): string {
    return builtBinary('tools/daprd/build.sh');
  }

  /**
   * Command-line flags of one app's sidecar. The resources are the stack's
   * rendering of components/ (components.ts: <state dir>/components, including
   * config.yaml). daprd runs with cwd = repo root, so the SQLite name-resolution
   * file (.stack/nameresolution.db in components/config.yaml, moved to the
   * instance's state folder by the render) resolves from there.
   *
   * Standalone daprd 1.18 without a control plane (see tools/daprd/README.md):
   * - no `--placement-host-address` / `--scheduler-host-address` at all: raw daprd
   *   then disables actors, workflows and jobs (two expected warnings at start)
   *   instead of retrying a placement or scheduler service;
   * - every listener binds 127.0.0.1; `--dapr-internal-grpc-listen-address
   *   127.0.0.1` also makes the sqlite resolver register 127.0.0.1:<internal port>,
   *   so invocation between sidecars stays on loopback;
   * - a short graceful shutdown keeps restarts in fault tests quick.
   */
  function sidecarArgs(app: AppSpec, resourcesPath = componentsDir): string[] {
    const d = app.dapr;
    if (!d) throw new StackError(`${app.name} has no sidecar`);
    // prettier-ignore
    return [
      '--mode', 'standalone',
      '--app-id', serviceOf(app),
      '--app-port', String(app.appPort),
      '--app-protocol', 'http',
      '--app-channel-address', '127.0.0.1',
      '--dapr-http-port', String(d.httpPort),
      '--dapr-grpc-port', String(d.grpcPort),
      '--dapr-internal-grpc-port', String(d.internalGrpcPort),
      '--dapr-listen-addresses', '127.0.0.1',
      '--dapr-internal-grpc-listen-address', '127.0.0.1',
      '--metrics-port', String(d.metricsPort),
      '--metrics-listen-address', '127.0.0.1',
      '--resources-path', resourcesPath,
      '--config', path.join(resourcesPath, 'config.yaml'),
      // debug (DAPRD_LOG_LEVEL=debug) traces every message a sidecar fetches and acknowledges.
      '--log-level', daprdLogLevel,
      '--enable-app-health-check',
      '--app-health-check-path', '/healthz',
      // A dead app is noticed within ~4 s (2 failed probes, 2 s apart); the sidecar then
      // pauses its subscriptions, well inside the ~18 s inbound retry window, so events
      // wait for the app instead of running out of retries.
      '--app-health-probe-interval', '2',
      '--app-health-threshold', '2',
      // An unhealthy app also gets no invocations (the caller sees 503), so a busy app
      // must not pass for a hung one: daprd's default 500 ms is one GC pause on a loaded
      // 2-core machine. The chart's default (values.yaml dapr.appHealthCheck) is the same.
      '--app-health-probe-timeout', '1000',
      '--dapr-graceful-shutdown-seconds', '2',
      // mTLS between sidecars, certificates from the stack's Sentry (sentry.ts): the
      // access control of config.yaml knows a caller only by its certificate.
      '--enable-mtls',
      '--sentry-address', `127.0.0.1:${infra.sentry.port}`,
      '--control-plane-trust-domain', controlPlaneTrustDomain,
      '--control-plane-namespace', namespace,
    ];
  }

  /**
   * Environment of a sidecar: minimal, so nothing like DAPR_SCHEDULER_HOST_ADDRESS_DNS_A
   * leaks in from the developer's shell. Its two tokens (tokens.ts) are the ones its
   * app gets (topology.ts appEnv): APP_API_TOKEN it sends to the app, DAPR_API_TOKEN
   * it requires of every caller of its API.
   */
  function sidecarEnv(app: AppSpec): NodeJS.ProcessEnv {
    const tokens = appTokens(app.name);
    return {
      APP_API_TOKEN: tokens.appApiToken,
      DAPR_API_TOKEN: tokens.daprApiToken,
      // The root of the stack's Sentry, and the namespace of the app's SPIFFE id.
      DAPR_TRUST_ANCHORS: trustAnchors(),
      NAMESPACE: namespace,
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: process.env.HOME ?? repoRoot,
      // GOGC and GOMEMLIMIT, as the chart's sidecars get them (runtime-env.ts).
      ...sidecarRuntimeEnv,
    };
  }

  return { daprdBinary, sidecarArgs, sidecarEnv };
}
