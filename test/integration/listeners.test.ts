/**
 * Nothing of the local stack is reachable from another machine: every TCP
 * socket that a process of this stack instance listens on (the apps, the
 * sidecars, MariaDB, Redis, and whatever they spawned) is bound to loopback.
 * Read from the kernel with `ss`, for the process groups named by the stack's
 * PID files (each process is started as the leader of its own group).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { apps, infra, pidsDir } from '../../tools/stack/env-instance.ts';

/** Process group of a pid: field 5 of /proc/<pid>/stat (after the parenthesised command name). */
function groupOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return null; // exited meanwhile
  }
}

/** Stack process id (`order`, `order-dapr`, `mariadb`, ...) of every live pid in the stack's groups. */
function stackPids(): Map<number, string> {
  const leaders = new Map<number, string>();
  for (const file of fs.readdirSync(pidsDir)) {
    if (!file.endsWith('.pid')) continue;
    const pid = Number(fs.readFileSync(path.join(pidsDir, file), 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0) leaders.set(pid, file.slice(0, -'.pid'.length));
  }
  const all = new Map<number, string>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const group = groupOf(Number(entry));
    const id = group === null ? undefined : leaders.get(group);
    if (id !== undefined) all.set(Number(entry), id);
  }
  return all;
}

interface Listener {
  id: string;
  address: string;
  port: number;
}

/** Listening TCP sockets (IPv4 and IPv6) of the given pids, from `ss -ltnpH`. */
function listenersOf(pids: Map<number, string>): Listener[] {
  const out = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' });
  const found: Listener[] = [];
  for (const line of out.split('\n')) {
    const cols = line.trim().split(/\s+/);
    const local = cols[3];
    if (!local) continue;
    const owners = [...line.matchAll(/pid=(\d+)/g)].map((m) => pids.get(Number(m[1])));
    const id = owners.find((o) => o !== undefined);
    if (id === undefined) continue;
    const cut = local.lastIndexOf(':');
    found.push({ id, address: local.slice(0, cut), port: Number(local.slice(cut + 1)) });
  }
  return found;
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', '[::ffff:127.0.0.1]']);
/**
 * The one socket that cannot be held to loopback: Sentry 1.18's health server
 * binds every interface (it parses --healthz-listen-address but its health
 * server takes a port only). It answers GET /healthz and nothing else.
 */
const unmovable = (l: { id: string; port: number }) => l.id === 'sentry' && l.port === infra.sentry.healthzPort;

describe('listening sockets of the local stack', () => {
  it('when the stack runs, then every app, sidecar and backing store listens on loopback only', () => {
    const pids = stackPids();
    const listeners = listenersOf(pids);
    // Not vacuous: every app's port and every sidecar's ports are among the sockets read.
    const ports = new Set(listeners.map((l) => l.port));
    for (const app of apps) {
      expect({ app: app.name, listening: ports.has(app.appPort) }).toEqual({ app: app.name, listening: true });
      for (const p of app.dapr ? [app.dapr.httpPort, app.dapr.grpcPort, app.dapr.metricsPort] : []) {
        expect({ sidecar: app.name, port: p, listening: ports.has(p) }).toEqual({
          sidecar: app.name,
          port: p,
          listening: true,
        });
      }
    }
    const ids = new Set(listeners.map((l) => l.id));
    expect(ids.has('mariadb') && ids.has('redis')).toBe(true);

    const exposed = listeners.filter((l) => !LOOPBACK.has(l.address) && !unmovable(l));
    console.log(
      `${listeners.length} listening sockets of ${ids.size} stack processes: ` +
        `${listeners.length - exposed.length} on loopback, ${exposed.length} elsewhere`,
    );
    expect(exposed).toEqual([]);
  });
});
