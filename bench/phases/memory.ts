/**
 * Memory of every service and sidecar of the instance: RSS, and PSS, anonymous
 * and file-backed beside it (shared pages count in each process's RSS).
 */
import fs from 'node:fs';
import * as stack from '../../tools/stack/processes.ts';
import * as topology from '../../tools/stack/topology.ts';
import { round } from '../figures.ts';

export interface Mem {
  rssMb: number;
  pssMb: number;
  anonMb: number;
  fileMb: number;
}

function memOf(pid: number): Mem | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
    const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const mb = (v: number) => round(v / 1024);
    return {
      rssMb: mb(kb(status, 'VmRSS')),
      pssMb: mb(kb(rollup, 'Pss')),
      anonMb: mb(kb(status, 'RssAnon')),
      fileMb: mb(kb(status, 'RssFile')),
    };
  } catch {
    return null;
  }
}

export function memorySnapshot(): { services: Record<string, Mem>; sidecars: Record<string, Mem> } {
  const services: Record<string, Mem> = {};
  const sidecars: Record<string, Mem> = {};
  for (const app of topology.apps) {
    const pid = stack.pidOf(app.name);
    const m = pid === null ? null : memOf(pid);
    if (m) services[app.name] = m;
    if (app.dapr) {
      const spid = stack.pidOf(`${app.name}-dapr`);
      const s = spid === null ? null : memOf(spid);
      if (s) sidecars[`${app.name}-dapr`] = s;
    }
  }
  return { services, sidecars };
}

export const maxRss = (group: Record<string, Mem>) => Math.max(...Object.values(group).map((m) => m.rssMb));
