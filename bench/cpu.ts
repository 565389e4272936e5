/**
 * Where the CPU of a phase goes: milliseconds of each process of the instance,
 * the floors and the load generator (this process), read from /proc, and what
 * the rest of the machine used meanwhile (a noisy neighbour shows up there).
 */
import fs from 'node:fs';
import { round } from './figures.ts';
import { ingressPid } from './ingress.ts';
import { stack } from './instance.ts';
import { floorPids } from './phases/floors.ts';

const clockTicks = 100; // USER_HZ on Linux

function cpuTicks(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after "pid (comm) ".
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return NaN;
  }
}

/** Every process of the instance, its Ingress, the floors, and this one (the load generator). */
function ourPids(): Record<string, number> {
  const pids: Record<string, number> = { bench: process.pid };
  for (const name of stack.stackNames()) {
    const pid = stack.pidOf(name);
    if (pid !== null) pids[name] = pid;
  }
  Object.assign(pids, floorPids());
  const ingress = ingressPid();
  if (ingress !== undefined) pids.ingress = ingress;
  return pids;
}

/** Busy and steal time of the whole machine, in ticks (/proc/stat). */
function machineTicks(): { busy: number; steal: number } {
  const f = (fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return { busy: user + nice + system + irq + softirq, steal };
}

export interface CpuUse {
  seconds: number;
  /** CPU milliseconds of each of our processes. */
  ms: Record<string, number>;
  /** Cores busy with other work on the machine meanwhile (other users, other stacks), and stolen by the hypervisor. */
  otherCores: number;
  stealCores: number;
}

/** Starts counting; the returned function tells where the CPU went since then. */
export function cpuMeter(): () => CpuUse {
  const pids = ourPids();
  const before = Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, cpuTicks(pid)]));
  const machine = machineTicks();
  const started = performance.now();
  return () => {
    const seconds = (performance.now() - started) / 1000;
    const ms: Record<string, number> = {};
    for (const [n, pid] of Object.entries(pids)) {
      const v = Math.round(((cpuTicks(pid) - (before[n] ?? 0)) * 1000) / clockTicks);
      if (v > 0) ms[n] = v;
    }
    const now = machineTicks();
    const ours = Object.values(ms).reduce((a, b) => a + b, 0) / 1000;
    const busy = (now.busy - machine.busy) / clockTicks;
    return {
      seconds: round(seconds, 1),
      ms,
      otherCores: round(Math.max(0, busy - ours) / seconds, 2),
      stealCores: round((now.steal - machine.steal) / clockTicks / seconds, 2),
    };
  };
}

/** CPU milliseconds per request by process, largest first. */
export function perRequest(use: CpuUse, requests: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(use.ms)
      .sort((a, b) => b[1] - a[1])
      .map(([n, v]) => [n, round(v / Math.max(1, requests), 2)] as const)
      .filter(([, v]) => v > 0),
  );
}
