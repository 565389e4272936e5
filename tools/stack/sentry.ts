/**
 * Dapr's certificate authority, Sentry, in the local stack (docs/security.md).
 *
 * Sidecars call each other over mTLS with a workload certificate from Sentry
 * whose SPIFFE id names their app (spiffe://public/ns/default/<app id>); the
 * access control of components/config.yaml matches callers by that id. Without
 * Sentry no caller could be verified and the policy's default (deny) would
 * refuse every call.
 *
 * Self-hosted, Sentry makes a root and an issuer certificate on its first start
 * and keeps them in <state dir>/sentry (local demo values, never committed);
 * every sidecar trusts that root (DAPR_TRUST_ANCHORS). Delete the folder with
 * the stack down to get a new CA. Binary: tools/sentry/build.sh.
 */

import fs from 'node:fs';
import path from 'node:path';

import { componentsSourceDir } from './components.ts';
import type { StackComponents } from './components.ts';
import { rel, repoRoot } from './paths.ts';
import type { StackPaths } from './paths.ts';
import { builtBinary } from './built-binary.ts';
import { StackError } from './proc.ts';
import type { ProcSpec } from './proc.ts';
import type { StackTopology } from './topology.ts';

/**
 * Trust domain of the control plane (Sentry's own certificate), which sidecars
 * check Sentry against; Dapr's default. The apps' trust domain is another one,
 * accessControl.trustDomain of components/config.yaml.
 */
export const controlPlaneTrustDomain = 'localhost';
/** Namespace of the control plane and of every app: standalone Dapr's default. */
export const namespace = 'default';

export type StackSentry = ReturnType<typeof stackSentry>;

/** The Sentry of one instance: its credentials folder, process and readiness. */
export function stackSentry(paths: StackPaths, topology: StackTopology, components: StackComponents) {
  const { stackDir } = paths;
  const { infra } = topology;
  const { renderComponent } = components;

  /** Sentry's issuer credentials (ca.crt, issuer.crt, issuer.key) and its configuration. */
  const sentryDir = path.join(stackDir, 'sentry');
  /** The root certificate every sidecar trusts. */
  const trustAnchorsFile = path.join(sentryDir, 'ca.crt');

  /** Absolute path of Sentry, as tools/sentry/build.sh names it (built-binary.ts). */
  function sentryBinary(): string {
    return builtBinary('tools/sentry/build.sh');
  }

  /** What identifies the Sentry of this stack in /proc/<pid>/cmdline. */
  const sentryMarker = `--issuer-credentials ${sentryDir}`;

  /**
   * The Sentry process. Its --config is the stack's components/config.yaml
   * (workload certificate lifetime and clock skew under spec.mtls), rendered into
   * a file of its own so it starts without the rest of the components.
   */
  function sentrySpec(): ProcSpec {
    fs.mkdirSync(sentryDir, { recursive: true, mode: 0o700 });
    // Beside the credentials folder, not in it: Sentry reloads on every change there.
    const config = path.join(stackDir, 'sentry-config.yaml');
    const source = fs.readFileSync(path.join(componentsSourceDir, 'config.yaml'), 'utf8');
    fs.writeFileSync(config, renderComponent('config.yaml', source));
    return {
      id: 'sentry',
      command: sentryBinary(),
      // prettier-ignore
      args: [
        '--issuer-credentials', sentryDir,
        '--config', config,
        '--mode', 'standalone',
        '--trust-domain', controlPlaneTrustDomain,
        '--listen-address', '127.0.0.1',
        '--port', String(infra.sentry.port),
        // Its health server binds every interface: Sentry 1.18 parses --healthz-listen-address but
        // never uses it (pkg/healthz/server takes a port only). It answers /healthz and nothing else.
        '--healthz-port', String(infra.sentry.healthzPort),
        '--enable-metrics=false',
        '--log-level', 'warn',
      ],
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? repoRoot,
        NAMESPACE: namespace,
      },
      marker: sentryMarker,
    };
  }

  /** Ready when its health endpoint answers and its root certificate is on disk. */
  async function sentryProbe(): Promise<true | string> {
    if (!fs.existsSync(trustAnchorsFile)) return `${rel(trustAnchorsFile)} not written yet`;
    try {
      const res = await fetch(`http://127.0.0.1:${infra.sentry.healthzPort}/healthz`, {
        signal: AbortSignal.timeout(2000),
      });
      return res.status === 200 ? true : `sentry /healthz: ${res.status}`;
    } catch (e) {
      return `sentry /healthz: ${(e as Error).message}`;
    }
  }

  /** The PEM root every sidecar trusts (DAPR_TRUST_ANCHORS). */
  function trustAnchors(): string {
    try {
      return fs.readFileSync(trustAnchorsFile, 'utf8');
    } catch {
      throw new StackError(`${rel(trustAnchorsFile)} is missing: Sentry has not run yet (npm run stack -- up)`);
    }
  }

  return { sentryDir, trustAnchorsFile, sentryBinary, sentryMarker, sentrySpec, sentryProbe, trustAnchors };
}
