/**
 * The Kafka part of a run on both brokers, seen from the Redis run: every phase
 * measures the one instance of bench/instance.ts, so event to view on the Kafka
 * instance runs in a second process of the bench, which hands its figures back
 * through a file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventsResult } from './phases/events.ts';
import { benchDir, connections, keep, profile, quick, repoRoot, samplingRate, t0 } from './settings.ts';

/** Event to view on the Kafka instance, as a Kafka part reports it (to the run on both, or printed alone). */
export interface KafkaPart {
  events: EventsResult;
  /** The warm-up round before it; its samples are not part of the figures. */
  warmup: { n: number; p50: number; p99: number; misses: number };
  stack: { dir: string; portOffset: number; infraWasRunning: boolean; newStateDir: boolean; upSeconds: number };
  /** From the part's start until its instance was stopped (or left running, --keep). */
  seconds: number;
}

let kafkaChild: ChildProcess | undefined;

/** The Kafka part's process while it runs: a signal to this process is handed on to it. */
export const runningKafkaPart = () => kafkaChild;

/**
 * The Kafka part of a run on both brokers: this script again, in a second
 * process on the Kafka instance (--broker kafka). Its log lines go to stderr
 * like ours; its result comes back
 * through a file. A failure there does not lose the Redis figures.
 */
export async function runKafkaPart(rate: number): Promise<KafkaPart | { error: string }> {
  const report = path.join(os.tmpdir(), `baedal-bench-kafka-${process.pid}.json`);
  fs.rmSync(report, { force: true });
  const args = [
    path.join(benchDir, 'run.ts'),
    ...['--broker', 'kafka', '--event-rate', String(rate), '--report-to', report],
    ...['--connections', String(connections)],
    ...(quick ? ['--quick'] : []),
    ...(keep ? ['--keep'] : []),
    ...(profile ? ['--profile'] : []),
    // Observed as the Redis part is, at the same rate.
    ...(samplingRate === undefined ? [] : ['--observe', '--sampling-rate', String(samplingRate)]),
  ];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, BAEDAL_BENCH_T0: String(t0) },
    // Its stdout too goes to our stderr, with the log: our stdout is the report alone.
    stdio: ['ignore', 2, 2],
  });
  kafkaChild = child;
  const failure = await new Promise<string | null>((resolve) => {
    child.once('error', (e) => resolve(e.message));
    child.once('exit', (code, signal) => resolve(code === 0 ? null : `exit ${code ?? signal}`));
  });
  kafkaChild = undefined;
  try {
    if (failure) return { error: `the Kafka part failed (${failure}); its log lines above say why` };
    return JSON.parse(fs.readFileSync(report, 'utf8')) as KafkaPart;
  } finally {
    fs.rmSync(report, { force: true });
  }
}

/** --broker kafka alone: the background rate of the newest Redis run in bench/results (comparable figures). */
export function lastRedisEventRate(): number | undefined {
  const dir = path.join(benchDir, 'results');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  for (const f of files.sort().reverse()) {
    try {
      const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as {
        eventToView?: { redis?: { background?: { rate?: number } } };
        events?: { background?: { rate?: number } };
      };
      const rate = r.eventToView?.redis?.background?.rate ?? r.events?.background?.rate;
      if (typeof rate === 'number' && rate >= 1) return rate;
    } catch {
      // not a result file
    }
  }
  return undefined;
}
