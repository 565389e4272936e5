/**
 * Process primitives of the local stack: detached spawn with a PID file and a
 * log file, liveness, stop with a grace period, readiness probes.
 *
 * Every managed process has an id (`order`, `order-dapr`, `mariadb`...) that
 * names both its PID file (<state dir>/pids/<id>.pid) and its log (<state dir>/logs/<id>.log).
 */

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { rel } from './paths.ts';
import type { StackPaths } from './paths.ts';

export class StackError extends Error {
  override name = 'StackError';
}

type Logger = (line: string) => void;
let logger: Logger = (line) => process.stdout.write(`[stack] ${line}\n`);

/** Replace the progress printer (tests pass `() => {}` to keep quiet). */
export function setStackLogger(fn: Logger): void {
  logger = fn;
}

export function say(line: string): void {
  logger(line);
}

/** Substring (or pattern) of /proc/<pid>/cmdline (arguments joined by spaces) identifying a process. */
export type Marker = string | RegExp;

export interface ProcSpec {
  /** Process id in the stack: names the PID and log files. */
  id: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /**
   * A string the process's command line contains (e.g. an absolute path), so
   * that a PID file left over from before a reboot never matches an unrelated
   * process that got the same pid.
   */
  marker: Marker;
}

function errCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err ? String((err as NodeJS.ErrnoException).code) : undefined;
}

/**
 * Whether pid is a live process. A zombie (exited, not yet reaped — common when
 * PID 1 of a container or VM reaps lazily) counts as dead.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (errCode(err) !== 'EPERM') return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Format: "pid (comm) S ..."; comm may contain spaces and parentheses.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    // No /proc (not Linux) or the process vanished in between.
    return !fs.existsSync('/proc/self');
  }
}

function cmdlineMatches(pid: number, marker: Marker): boolean {
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').split('\0').join(' ');
    return typeof marker === 'string' ? cmdline.includes(marker) : marker.test(cmdline);
  } catch {
    return !fs.existsSync('/proc/self');
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pidAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

function signal(pid: number, sig: NodeJS.Signals, group: boolean): void {
  try {
    process.kill(group ? -pid : pid, sig);
  } catch (err) {
    if (group && errCode(err) === 'ESRCH') signal(pid, sig, false);
    else if (errCode(err) !== 'ESRCH') throw err;
  }
}

/** Status code of GET url, or null when nothing answered within timeoutMs. */
export function httpStatus(
  url: string,
  timeoutMs = 2_000,
  headers: Record<string, string> = {},
): Promise<number | null> {
  return new Promise((resolve) => {
    const req = http.get(
      url,
      { agent: false, timeout: timeoutMs, headers: { ...headers, connection: 'close' } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? null);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function tcpOpen(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port, timeout: timeoutMs });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('timeout', () => {
      sock.destroy();
      resolve(false);
    });
    sock.once('error', () => resolve(false));
  });
}

/**
 * Throw a clear error if some other process already listens on one of the ports.
 * A port still open is looked at again for up to `settleMs`: a process killed a
 * moment ago loses its memory (and with it the command line we recognise it by)
 * before the kernel closes its sockets, so for a few milliseconds it looks like a
 * stranger holding our port (the fault tests' SIGKILL-then-start hit this).
 */
export async function assertPortsFree(id: string, ports: number[], settleMs = 2_000): Promise<void> {
  const deadline = Date.now() + settleMs;
  let busy: number[] = [...ports];
  for (;;) {
    const still: number[] = [];
    for (const port of busy) if (await tcpOpen(port, 500)) still.push(port);
    busy = still;
    if (busy.length === 0 || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (busy.length > 0) {
    throw new StackError(
      `cannot start ${id}: port ${busy.join(', ')} already in use by a process this stack does not own ` +
        `(another checkout's stack? find it with: ss -ltnp 'sport = :${busy[0]}')`,
    );
  }
}

/**
 * Runs a script that finds, fetches or builds a tool and prints its path as
 * the last line on stdout (tools/kafka/fetch.sh, tools/zipkin/fetch.sh), its
 * progress lines on stderr shown as they come (a cold fetch or build takes minutes).
 * Resolves that path once it exists.
 */
export function runToolScript(script: string, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) say(line.trim());
    });
    child.once('error', (err) => reject(new StackError(`cannot run ${rel(script)}: ${err.message}`)));
    child.once('close', (code) => {
      if (pending.trim()) say(pending.trim());
      const found = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !found || !fs.existsSync(found)) {
        reject(new StackError(`${rel(script)} failed (exit ${code}); the lines above say why`));
        return;
      }
      resolve(found);
    });
  });
}

/** Last n lines of a file ('' if it does not exist); reads at most the last 1 MiB. */
export function tailLines(file: string, n: number): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, 1 << 20);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-n).join('\n');
  } finally {
    fs.closeSync(fd);
  }
}

export interface WaitOptions {
  what: string;
  timeoutMs: number;
  /** Resolves true once ready; may return a string describing the last failure. */
  probe: () => Promise<true | string>;
  /** Ids of processes that must stay alive while waiting (fail fast if one dies). */
  mustLive?: { id: string; marker: Marker }[];
  intervalMs?: number;
}

export type StackProcs = ReturnType<typeof stackProcs>;

/** The primitives that keep their PID and log files in one instance's state folder. */
export function stackProcs(paths: StackPaths) {
  const { ensureStateDirs, logFile, pidFile } = paths;
  function readPid(id: string): number | null {
    try {
      const pid = Number.parseInt(fs.readFileSync(pidFile(id), 'utf8').trim(), 10);
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  }

  function removePidFile(id: string, pid: number): void {
    // Only remove the file if it still names this pid (a new start may have rewritten it).
    if (readPid(id) === pid) fs.rmSync(pidFile(id), { force: true });
  }

  /** Pid of the running process `id`, or null (a stale PID file is removed). */
  function runningPid(id: string, marker: Marker): number | null {
    const pid = readPid(id);
    if (pid === null) return null;
    if (pidAlive(pid) && cmdlineMatches(pid, marker)) return pid;
    removePidFile(id, pid);
    return null;
  }

  /** Spawn a detached process that outlives this command; stdout and stderr go to its log. */
  async function spawnDetached(spec: ProcSpec): Promise<number> {
    ensureStateDirs();
    const log = logFile(spec.id);
    // Keep logs bounded: past 50 MiB the old log moves to <id>.log.1 (tail -F follows the new one).
    if ((fs.statSync(log, { throwIfNoEntry: false })?.size ?? 0) > 50 * 1024 * 1024) fs.renameSync(log, `${log}.1`);
    const fd = fs.openSync(log, 'a');
    try {
      const shown = [spec.command, ...spec.args.map((a) => (a === '' || /\s/.test(a) ? `'${a}'` : a))].join(' ');
      fs.writeSync(fd, `\n===== ${new Date().toISOString()} starting ${spec.id} (cwd ${rel(spec.cwd)}): ${shown}\n`);
      const child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: spec.env,
        detached: true,
        stdio: ['ignore', fd, fd],
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (err) =>
          reject(new StackError(`cannot start ${spec.id} (${spec.command}): ${err.message}`)),
        );
      });
      child.unref();
      const pid = child.pid;
      if (pid === undefined) throw new StackError(`cannot start ${spec.id}: no pid`);
      fs.mkdirSync(path.dirname(pidFile(spec.id)), { recursive: true });
      fs.writeFileSync(pidFile(spec.id), `${pid}\n`);
      return pid;
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Stop process `id`: SIGTERM, wait up to graceMs for it to exit, then SIGKILL its
   * whole process group and wait again. Returns only once the process is gone, so a
   * restart never overlaps the old process. Returns false if it was not running.
   */
  async function stopProcess(id: string, marker: Marker, graceMs = 10_000): Promise<boolean> {
    const pid = runningPid(id, marker);
    if (pid === null) return false;
    const started = Date.now();
    signal(pid, 'SIGTERM', false);
    if (!(await waitForExit(pid, graceMs))) {
      say(`${id} (pid ${pid}) did not exit ${graceMs / 1000}s after SIGTERM; sending SIGKILL`);
      signal(pid, 'SIGKILL', true);
      if (!(await waitForExit(pid, 5_000))) throw new StackError(`${id} (pid ${pid}) survived SIGKILL`);
    }
    removePidFile(id, pid);
    say(`stopped ${id} (pid ${pid}, ${((Date.now() - started) / 1000).toFixed(1)}s)`);
    return true;
  }

  /** Poll until probe succeeds; throws a StackError naming the last failure. */
  async function waitUntil(opts: WaitOptions): Promise<void> {
    const deadline = Date.now() + opts.timeoutMs;
    let last = 'no answer';
    for (;;) {
      const r = await opts.probe();
      if (r === true) return;
      last = r;
      for (const p of opts.mustLive ?? []) {
        if (runningPid(p.id, p.marker) === null) {
          throw new StackError(`${opts.what}: process ${p.id} exited (see ${rel(logFile(p.id))})`);
        }
      }
      if (Date.now() >= deadline) {
        throw new StackError(`${opts.what}: not ready after ${opts.timeoutMs / 1000}s (last probe: ${last})`);
      }
      await sleep(opts.intervalMs ?? 250);
    }
  }

  return { runningPid, spawnDetached, stopProcess, waitUntil };
}
