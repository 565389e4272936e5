/**
 * The two Dapr tokens of each app in a local stack (docs/security.md):
 *
 * - the app API token (APP_API_TOKEN): its sidecar sends it in `dapr-api-token`
 *   on every call to the app, which refuses /internal, /events and /dapr without it;
 * - the Dapr API token (DAPR_API_TOKEN): the app sends it on every call to its
 *   sidecar, which refuses its API (but the health checks) without it.
 *
 * Local demo values: random per stack instance, made on first use and kept in
 * <state dir>/tokens/<app>.json (mode 0600, never committed), so a restarted app
 * or sidecar gets the same ones. Delete the folder with the stack down to rotate
 * them. The tests read them from here to call an app or a sidecar as its peer.
 */

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface AppTokens {
  /** What the sidecar shows the app. */
  appApiToken: string;
  /** What the app shows its sidecar. */
  daprApiToken: string;
}

const fresh = (what: string) => `local-demo-${what}-${randomBytes(24).toString('base64url')}`;

/** The tokens of one app (its Dapr app id) of the instance in `stackDir`, made and saved on first use. */
export function appTokensIn(stackDir: string, appId: string): AppTokens {
  const tokensDir = path.join(stackDir, 'tokens');
  const file = path.join(tokensDir, `${appId}.json`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as AppTokens;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  fs.mkdirSync(tokensDir, { recursive: true, mode: 0o700 });
  const tokens: AppTokens = { appApiToken: fresh('app-token'), daprApiToken: fresh('dapr-token') };
  try {
    // 'wx': when two processes make them at once, the first one's stay and both use them.
    fs.writeFileSync(file, `${JSON.stringify(tokens, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
    return tokens;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return JSON.parse(fs.readFileSync(file, 'utf8')) as AppTokens;
  }
}
