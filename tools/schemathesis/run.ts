/**
 * npm run test:schemathesis: Schemathesis (a client written elsewhere, from
 * the OpenAPI alone) against the running local stack's /openapi.json, once
 * without a token and once with a token of each role (the demo users). Every
 * check is on (`--checks all`); what it may not expect from the document alone
 * is said per operation in schemathesis.toml, with the reason.
 *
 * Counts: one test per operation and identity; it fails when Schemathesis
 * reports a failure or an error for that operation. The counts go to
 * $BAEDAL_TEST_RESULTS/schemathesis.json in the shape of a jest JSON result,
 * so `npm test`'s closing line adds them up with the jest suites.
 *
 * Time: each run is bounded (SCHEMATHESIS_MAX_TIME seconds, default 30, and
 * at most SCHEMATHESIS_MAX_EXAMPLES cases per operation and phase, default
 * 25): about 2.5 minutes for all five.
 */
import { execFileSync, spawn } from 'node:child_process';
import readline from 'node:readline';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_PASSWORD, demoStores, demoUsers } from '@baedal/platform/contracts/demo';

const here = path.dirname(fileURLToPath(import.meta.url));
const baseUrl = process.env.BAEDAL_URL ?? `http://127.0.0.1:${process.env.GATEWAY_PORT ?? process.env.PORT ?? 8080}`;
const maxTime = Number(process.env.SCHEMATHESIS_MAX_TIME ?? 30);
const maxExamples = Number(process.env.SCHEMATHESIS_MAX_EXAMPLES ?? 25);
/** Fixed, like the fuzz test's, so a run can be replayed; SCHEMATHESIS_SEED explores elsewhere. */
const seed = process.env.SCHEMATHESIS_SEED ?? '20261206';
const say = (line: string) => process.stdout.write(`[schemathesis] ${line}\n`);

/** One demo user per role; `anonymous` sends no token. SCHEMATHESIS_AS=customer,admin picks some. */
const identities = ['anonymous', ...new Set(demoUsers.map((u) => u.role))].filter(
  (i) => !process.env.SCHEMATHESIS_AS || process.env.SCHEMATHESIS_AS.split(',').includes(i),
);

async function tokenOf(role: string): Promise<string | undefined> {
  return role === 'anonymous' ? undefined : tokenFor(role);
}

async function tokenFor(role: string): Promise<string> {
  const user = demoUsers.find((u) => u.role === role);
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user?.username, password: DEMO_PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login as ${user?.username} (${role}): ${res.status}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

/**
 * An order of the demo customer, so that the order-status operations (the
 * event stream among them) reach a real view: random ids only ever find 404.
 * schemathesis.toml hands its id to those operations.
 */
async function placeOrder(customerToken: string): Promise<string> {
  const store = demoStores[0];
  const res = await fetch(`${baseUrl}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${customerToken}` },
    body: JSON.stringify({
      storeId: store.id,
      items: [{ menuItemId: store.items[0].id, quantity: 1 }],
      deliveryAddress: { line: 'Schemathesis', lat: store.location.lat, lng: store.location.lng },
    }),
  });
  if (res.status !== 201) throw new Error(`placing an order: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

interface Report {
  operations: { tested: number; selected: number };
  failures: { code: string; title: string; operations: string[] }[];
  errors: { operation?: string; operations?: string[]; message?: string }[];
  valid_rates: Record<string, unknown>;
}

/**
 * Schemathesis' report, indented under ours. Its banners are drawn with '=' in
 * pytest's shape ("==== 1 warning in 30.02s ===="), which a reader of the
 * run's closing lines would take for a pytest session that ran no test; they
 * are redrawn with '─' so the suite's own "N passed, N failed" line is the one
 * that counts.
 */
function relay(from: NodeJS.ReadableStream, to: NodeJS.WritableStream): void {
  readline.createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => {
    to.write(`  │ ${line.replace(/={3,}/g, (bar) => '─'.repeat(bar.length))}\n`);
  });
}

function run(bin: string, args: string[], cwd: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    // cwd: Schemathesis keeps a crash cache (.schemathesis/) in its working directory.
    const child = spawn(bin, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    relay(child.stdout, process.stdout);
    relay(child.stderr, process.stderr);
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/** Admin fault switches a fuzzer may have flipped: back to none, so later suites meet a healthy gateway. */
async function disarmFaults(adminToken: string): Promise<void> {
  const res = await fetch(`${baseUrl}/api/admin/faults/payment`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ delayMs: 0, failureRate: 0, loseNextEvent: null }),
  });
  if (res.status !== 200) throw new Error(`disarming the payment faults: ${res.status}`);
}

async function main(): Promise<void> {
  const bin = execFileSync('bash', [path.join(here, 'install.sh')], { stdio: ['ignore', 'pipe', 'inherit'] })
    .toString()
    .trim();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'schemathesis-'));
  const orderId = await placeOrder(await tokenFor('customer'));
  const config = path.join(work, 'schemathesis.toml');
  const store = demoStores[0];
  fs.writeFileSync(
    config,
    `${fs.readFileSync(path.join(here, 'schemathesis.toml'), 'utf8')}
[dictionaries]
demo-store = { values = ${JSON.stringify([store.id])} }
demo-menu = { values = ${JSON.stringify(store.items.map((i) => i.id))} }
`,
  );
  let passed = 0;
  let failed = 0;
  const failures: string[] = [];
  try {
    for (const identity of identities) {
      const token = await tokenOf(identity);
      const reportPath = path.join(work, `${identity}.json`);
      say(
        `as ${identity}: ${baseUrl}/openapi.json (at most ${maxTime}s, ${maxExamples} cases per operation, seed ${seed})`,
      );
      const args = [
        '--config-file',
        config,
        'run',
        `${baseUrl}/openapi.json`,
        '--checks',
        'all',
        '--max-time',
        String(maxTime),
        '--max-examples',
        String(maxExamples),
        '--request-timeout',
        '10',
        '--no-color',
        '--report',
        'json',
        '--report-json-path',
        reportPath,
        '--generation-database',
        'none',
        '--seed',
        seed,
        ...(token ? ['--header', `Authorization: Bearer ${token}`] : []),
      ];
      const code = await run(bin, args, work, { SCHEMATHESIS_ORDER_ID: orderId });
      if (!fs.existsSync(reportPath)) throw new Error(`schemathesis exited ${code} without a report`);
      const report = JSON.parse(fs.readFileSync(reportPath, 'utf8')) as Report;
      const bad = new Set<string>();
      for (const f of report.failures) {
        for (const op of f.operations) {
          bad.add(op);
          failures.push(`${identity}: ${op}: ${f.code} ${f.title}`);
        }
      }
      for (const e of report.errors) {
        for (const op of e.operations ?? (e.operation ? [e.operation] : ['(whole run)'])) {
          bad.add(op);
          failures.push(`${identity}: ${op}: error ${e.message ?? ''}`.trim());
        }
      }
      if (code !== 0 && bad.size === 0) {
        bad.add('(whole run)');
        failures.push(`${identity}: schemathesis exited ${code}`);
      }
      failed += bad.size;
      passed += Math.max(0, report.operations.tested - bad.size);
      say(`as ${identity}: ${report.operations.tested} operations tested, ${bad.size} failed`);
    }
  } finally {
    await disarmFaults(await tokenFor('admin')).catch((e: unknown) => say(String(e)));
    fs.rmSync(work, { recursive: true, force: true });
  }
  const results = process.env.BAEDAL_TEST_RESULTS;
  if (results) {
    fs.writeFileSync(
      path.join(results, 'schemathesis.json'),
      JSON.stringify({ numPassedTests: passed, numFailedTests: failed, success: failed === 0 }),
    );
  }
  for (const f of failures) say(`FAILED ${f}`);
  say(`${passed} passed, ${failed} failed (operation × identity)`);
  if (failed > 0) process.exitCode = 1;
}

await main();
