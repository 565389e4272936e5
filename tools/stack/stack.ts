/**
 * npm run stack -- <verb>: the local stack (MariaDB, Redis, Kafka when chosen,
 * every service beside its Dapr sidecar) as detached processes with state under
 * .stack/ (or BAEDAL_STACK_DIR, on ports shifted by BAEDAL_PORT_OFFSET).
 */

import { spawn } from 'node:child_process';
import fs from 'node:fs';

// The one instance this command drives: the environment names it.
import { envStack as stack } from './env-instance.ts';
import { checkSamplingRate } from './observe.ts';
import { rel, repoRoot } from './paths.ts';
import { StackError, tailLines } from './proc.ts';

const { stackDir } = stack.paths;
const { portOffset } = stack.topology;

const usage = `usage: npm run stack -- <verb>

  up [--broker redis|kafka] [--replicas n] [--observe [--sampling-rate r]|--no-observe]
                             start everything that is not running; wait until ready; print the entry URL
                             (the broker is remembered; switching one takes a down first; --replicas 2
                             adds order-2, payment-2, ...: a second app and sidecar per service, same
                             Dapr app id, own ports; remembered too, --replicas 1 goes back; --observe
                             adds Zipkin and Prometheus and traces every request (--sampling-rate 0.1:
                             one in ten), remembered likewise, --no-observe goes back: docs/observability.md)
  down                       stop every app, sidecar, Kafka, Redis, MariaDB, Zipkin and Prometheus (data stays in ${rel(stackDir)}/data)
  status                     table of processes, pids, ports and readiness
  stop <name>                stop one (an app stops with its sidecar)
  start <name>               start one and wait until it is ready
  restart <name>             stop, then start
  logs <name> [-f]           last 200 lines of its logs (app and sidecar); -f follows
  code-check                 exit 1 when a running app was started from other sources than the work tree's now

names: ${stack.stackNames().join(', ')}
another instance: BAEDAL_STACK_DIR=.stack-kafka BAEDAL_PORT_OFFSET=1000 npm run stack -- up --broker kafka`;

function fail(message: string, code = 1): never {
  process.stderr.write(`[stack] ${message}\n`);
  process.exit(code);
}

function needName(args: string[]): string {
  const name = args[0];
  if (!name || name.startsWith('-')) fail(`a name is required\n\n${usage}`, 2);
  return name;
}

function printTable(rows: string[][]): void {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  for (const r of rows)
    process.stdout.write(
      `${r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
}

async function status(): Promise<void> {
  const rows = await stack.status();
  const rate = stack.recordedSamplingRate();
  const observed = rate === undefined ? '' : `, observed (Zipkin, Prometheus; sampling rate ${rate})`;
  process.stdout.write(`stack ${rel(stackDir)}, port offset ${portOffset}, broker ${stack.broker()}${observed}\n`);
  // Rows carry a URL only in an observed stack: only then the table has that column.
  const urls = rows.some((r) => r.url);
  printTable([
    ['NAME', 'KIND', 'PID', 'STATE', 'PORT', 'READY', ...(urls ? ['URL'] : [])],
    ...rows.map((r) => [
      r.name,
      r.kind,
      r.pid === null ? '-' : String(r.pid),
      r.state,
      String(r.port),
      r.ready,
      ...(urls ? [r.url ?? ''] : []),
    ]),
  ]);
}

function logs(name: string, follow: boolean): Promise<void> {
  const files = stack.logFilesOf(name);
  if (!follow) {
    for (const file of files) {
      process.stdout.write(`==> ${rel(file)} <==\n`);
      const text = fs.existsSync(file) ? tailLines(file, 200) : '(no log yet)';
      process.stdout.write(text ? `${text}\n` : '');
    }
    return Promise.resolve();
  }
  // tail -F keeps following across a restart (the file is appended to, never rotated).
  const args = ['-n', '200', '-F', ...(files.length > 1 ? ['-v'] : []), ...files.map(rel)];
  const child = spawn('tail', args, { cwd: repoRoot, stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => child.kill(sig));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => resolve());
  });
}

async function main(argv: string[]): Promise<void> {
  const [verb, ...args] = argv;
  switch (verb) {
    case 'up': {
      let broker: string | undefined;
      let replicas: number | undefined;
      let observe: boolean | undefined;
      let samplingRate: number | undefined;
      for (let i = 0; i < args.length; i++) {
        const a = args[i] ?? '';
        if (a === '--observe' || a === '--no-observe') observe = a === '--observe';
        else if (a === '--sampling-rate' && args[i + 1]) samplingRate = checkSamplingRate(args[++i] ?? '');
        else if (a === '--replicas' && args[i + 1]) replicas = Number(args[++i]);
        else if (a === '--broker' && args[i + 1]) broker = args[++i];
        else if (a.startsWith('--broker=')) broker = a.slice('--broker='.length);
        else fail(`unknown option for up: ${a}\n\n${usage}`, 2);
      }
      const url = await stack.up({ broker, replicas, observe, samplingRate });
      process.stdout.write(`baedal is up: ${url}\n`);
      return;
    }
    case 'down':
      await stack.down();
      process.stdout.write('[stack] down\n');
      return;
    case 'status':
      return status();
    case 'stop':
      return stack.stopApp(needName(args));
    case 'start':
      return stack.startApp(needName(args));
    case 'restart':
      return stack.restartApp(needName(args));
    case 'logs': {
      const name = needName(args);
      const rest = args.slice(1);
      const bad = rest.find((a) => a !== '-f' && a !== '--follow');
      if (bad) fail(`unknown option for logs: ${bad}`, 2);
      return logs(name, rest.length > 0);
    }
    case 'code-check': {
      const stale = stack.appsOnOtherCode();
      for (const s of stale) process.stdout.write(`[stack] ${s.app} runs code ${s.runs}, the sources are ${s.now}\n`);
      if (stale.length > 0) process.exitCode = 1;
      return;
    }
    case undefined:
    case 'help':
    case '-h':
    case '--help':
      process.stdout.write(`${usage}\n`);
      if (verb === undefined) process.exitCode = 2;
      return;
    default:
      fail(`unknown verb '${verb}'\n\n${usage}`, 2);
  }
}

// `npm run stack -- logs order | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

try {
  await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof StackError) fail(err.message);
  throw err;
}
