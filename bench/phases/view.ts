/**
 * The status view: GET /api/order-status/{id} through the entry point (the
 * seed's siege), its floor the hello floor in halves around it; then the view's
 * state key read straight from the customer's sidecar, the read ceiling.
 */
import { siegeSetup } from '../../loadtests/local/scenarios.ts';
import { cpuMeter, perRequest, type CpuUse } from '../cpu.ts';
import { customerApp, entry, sidecarHeaders } from '../instance.ts';
import { run, type LoadResult, type LoadSpec } from '../load.ts';
import { durations, log } from '../settings.ts';
import { floorHalves, floorPorts, startFloor, stopFloors } from './floors.ts';

export async function phaseView() {
  log('status view: setup (log in as alice, place an order, wait for its view)');
  const { token, orderId } = await siegeSetup(entry);
  const viewSpec: LoadSpec = {
    url: `${entry}/api/order-status/${orderId}`,
    headers: { authorization: `Bearer ${token}` },
    connections: 20,
    seconds: durations.view,
  };
  await startFloor('hello', {});
  let view: LoadResult | undefined;
  let cpu: CpuUse | undefined;
  const floor = await floorHalves(
    'hello',
    {
      ...viewSpec,
      url: `http://127.0.0.1:${floorPorts.hello}/api/order-status/${orderId}`,
      seconds: durations.view / 2,
    },
    async () => {
      log(`status view: 20 connections for ${durations.view}s`);
      await run({ ...viewSpec, seconds: durations.warmup });
      const meter = cpuMeter();
      view = await run(viewSpec);
      cpu = meter();
    },
  );
  stopFloors();
  if (!view || !cpu) throw new Error('the view run did not happen');
  return { floor, result: view, cpu, cpuMsPerRequest: perRequest(cpu, view.ok), orderId };
}

/**
 * The structural ceiling of a view read: the same 20 connections reading the
 * view's key straight from the customer's sidecar (state API -> Redis), no
 * Ingress and no service. Every view read makes that one state read, so readRatio
 * cannot beat (this rps) / (hello floor) on this machine.
 */
export async function phaseReadCeiling(orderId: string) {
  const sidecar = customerApp.dapr;
  if (!sidecar) throw new Error('customer has no sidecar');
  const url = `http://127.0.0.1:${sidecar.httpPort}/v1.0/state/statestore/${encodeURIComponent(`order-view:${orderId}`)}`;
  const seconds = Math.max(5, durations.view / 4);
  log(`read ceiling: the view's state key straight from customer-dapr, 20 connections for ${seconds}s`);
  const headers = sidecarHeaders('customer');
  await run({ url, headers, connections: 20, seconds: durations.warmup });
  return run({ url, headers, connections: 20, seconds });
}
