/**
 * Orders: POST /api/orders through the entry point at max throughput, counted
 * until every event of the run is out and handled; then latency at half that
 * rate, open loop. Its floor, the insert floor, in halves around it.
 */
import { cpuMeter, perRequest, type CpuUse } from '../cpu.ts';
import { orderBody } from '../customers.ts';
import { round } from '../figures.ts';
import { entry, rootDb } from '../instance.ts';
import { paced, run, type LoadResult, type LoadSpec } from '../load.ts';
import { settle, waitForEvents } from '../pipeline.ts';
import { connections, durations, log } from '../settings.ts';
import { floorHalves, floorPorts, startInsertFloor, stopFloors } from './floors.ts';

/** MariaDB's statement counters (SHOW GLOBAL STATUS): what the database was asked to do. */
async function statementCounters(): Promise<Record<string, number>> {
  const db = await rootDb();
  try {
    const [rows] = await db.query(
      "show global status where Variable_name in ('Questions', 'Com_select', 'Com_insert', 'Com_update', " +
        "'Com_delete', 'Com_begin', 'Com_commit', 'Com_rollback')",
    );
    return Object.fromEntries(
      (rows as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name, Number(r.Value)]),
    );
  } finally {
    await db.end();
  }
}

export async function phaseOrders(tokens: string[]) {
  const orderSpec: LoadSpec = {
    url: `${entry}/api/orders`,
    method: 'POST',
    body: JSON.stringify(orderBody('bench')),
    tokens,
    connections,
    seconds: durations.orders,
  };
  await startInsertFloor();
  let max: LoadResult | undefined;
  let cpu: CpuUse | undefined;
  let statements: Record<string, number> = {};
  let completed = 0;
  let drainSeconds = 0;
  const floor = await floorHalves(
    'insert',
    { ...orderSpec, url: `http://127.0.0.1:${floorPorts.insert}/api/orders`, seconds: durations.orders / 2 },
    async () => {
      log(`orders: warm-up ${durations.warmup}s, then max throughput for ${durations.orders}s (${connections} conn)`);
      await run({ ...orderSpec, seconds: durations.warmup });
      await settle();
      const meter = cpuMeter();
      const countersBefore = await statementCounters();
      max = await run(orderSpec);
      // An order is placed once its event is out and handled (outbox relay, pub/sub,
      // every consumer): what the run left behind counts against its rate.
      const runEnd = performance.now();
      drainSeconds = round((Math.max(runEnd, await waitForEvents(runEnd + 120_000)) - runEnd) / 1000, 2);
      completed = round(max.ok / (max.seconds + drainSeconds));
      log(`orders: ${max.rps}/s answered, ${completed}/s with their events handled (+${drainSeconds}s)`);
      // CPU per order by process: the backlog the run left (events) is part of an order's cost.
      await settle();
      cpu = meter();
      const countersAfter = await statementCounters();
      const ok = max.ok;
      statements = Object.fromEntries(
        Object.entries(countersAfter).map(([k, v]) => [k, round((v - (countersBefore[k] ?? 0)) / Math.max(1, ok), 2)]),
      );
    },
  );
  stopFloors();
  if (!max || !cpu) throw new Error('the order run did not happen');
  const rate = Math.max(1, Math.round(completed / 2));
  log(`orders: fixed rate ${rate}/s for ${durations.orders}s`);
  const half = await paced({ ...orderSpec, rate }).done;
  await settle();
  return {
    floor,
    max: { ...max, completed, drainSeconds },
    half: { ...half, rate },
    cpu,
    cpuMsPerOrder: perRequest(cpu, max.ok),
    statements,
  };
}
