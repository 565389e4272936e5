import { afterAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stackTopology } from './topology.ts';

describe("the payment service's timers", () => {
  const stackDir = fs.mkdtempSync(path.join(os.tmpdir(), 'topology-'));
  afterAll(() => fs.rmSync(stackDir, { recursive: true, force: true }));
  const paymentEnv = (productionTimers?: boolean) => {
    const topology = stackTopology({ stackDir, portOffset: 0, productionTimers });
    const payment = topology.appByName('payment');
    if (!payment) throw new Error('no payment app');
    return topology.appEnv(payment);
  };
  const timers = [
    'PAYMENT_CAPTURE_TIMEOUT_SECONDS',
    'PAYMENT_PENDING_GRACE_SECONDS',
    'PAYMENT_RECONCILE_INTERVAL_SECONDS',
  ];

  it('are short on a local stack, so that the fault tests see sweeps and reconciliation act', () => {
    const env = paymentEnv();
    expect(timers.map((name) => env[name])).toEqual(['15', '20', '10']);
  });

  it("are the service's own defaults with productionTimers (the bench)", () => {
    const env = paymentEnv(true);
    expect(timers.filter((name) => name in env)).toEqual([]);
    expect(env.GATEWAY_DB_NAME).toBeDefined();
  });
});
