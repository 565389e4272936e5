import { afterAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chartRoutes } from '../tools/k8s/chart-routes.ts';
import { stackTopology } from '../tools/stack/topology.ts';
import { ingressPort, ingressRoutes } from './ingress.ts';

describe("the bench's Ingress", () => {
  const stackDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingress-'));
  afterAll(() => fs.rmSync(stackDir, { recursive: true, force: true }));
  const topology = stackTopology({ stackDir, portOffset: 3000 });
  const { routers, services } = ingressRoutes(topology).http;
  const upstreamOf = (rule: string) => {
    const router = Object.values(routers).find((r) => r.rule === rule);
    return router && services[router.service]?.loadBalancer.servers[0]?.url;
  };

  it("routes every path of the chart's Ingress as traefik's Kubernetes provider does, to the app that owns it", () => {
    expect(upstreamOf('PathPrefix("/api/order-status")')).toBe('http://127.0.0.1:6105');
    expect(upstreamOf('PathPrefix("/api/orders")')).toBe('http://127.0.0.1:6101');
    expect(upstreamOf('PathPrefix("/api/auth/")')).toBe('http://127.0.0.1:11080');
    expect(upstreamOf('PathPrefix("/")')).toBe('http://127.0.0.1:11080');
    const expected = chartRoutes().filter((r) => !r.faultInjection);
    expect(Object.keys(routers)).toHaveLength(expected.length);
  });

  it('leaves out the fault-injection paths, as the chart does unless app.faultInjection is on', () => {
    const faults = chartRoutes().filter((r) => r.faultInjection);
    expect(faults.length).toBeGreaterThan(0);
    for (const r of faults) expect(upstreamOf(`PathPrefix("${r.path}")`)).toBeUndefined();
    expect(Object.keys(ingressRoutes(topology, true).http.routers)).toHaveLength(chartRoutes().length);
  });

  it('listens on a port of its own, shifted with the instance', () => {
    expect(ingressPort(topology)).toBe(11081);
    expect(topology.apps.map((a) => a.appPort)).not.toContain(11081);
  });
});
