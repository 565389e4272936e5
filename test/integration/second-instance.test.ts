/**
 * One process drives two stack instances: the one under test (named by the
 * environment, env-instance.ts) and a second one built from options alone, on
 * its own state folder and port offset. The second instance's Redis and Sentry
 * start as real processes beside the running stack and stop again, and
 * neither the environment nor the stack under test notices.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { envStack } from '../../tools/stack/env-instance.ts';
import { stackInstance } from '../../tools/stack/instance.ts';

/** Every port an instance's processes listen on. */
function portsOf(topology: typeof envStack.topology): number[] {
  const { infra, apps } = topology;
  return [
    ...Object.values(infra).flatMap((i) => Object.values(i)),
    ...apps.flatMap((a) => [a.appPort, ...(a.dapr ? Object.values(a.dapr) : [])]),
  ];
}

/**
 * The second instance's offset: the first of a few, apart from the stacks
 * tools/test.sh runs (0, 1000, 2500) and the bench's (3000, 11000), whose
 * ports miss every port of the stack under test. Offsets are not enough by
 * themselves: two offsets 6000 apart put one stack's apps on the other's
 * sidecar ports (3101 + 7000 = 9101 + 1000).
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baedal-second-stack-'));
const testedPorts = portsOf(envStack.topology);
const secondOffset = [7000, 7500, 8500, 9500].find((offset) =>
  portsOf(stackInstance({ dir, portOffset: offset }).topology).every((p) => !testedPorts.includes(p)),
);
if (secondOffset === undefined) throw new Error('no port offset apart from the stack under test');
const envBefore = { ...process.env };
const second = stackInstance({ dir, portOffset: secondOffset });

afterAll(async () => {
  await second.down();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a second stack instance in the same process', () => {
  it('when built from options, then it has its own folder and ports and the environment is untouched', () => {
    expect(process.env).toEqual(envBefore);
    expect(second.paths.stackDir).toBe(dir);
    expect(second.paths.stackDir).not.toBe(envStack.paths.stackDir);
    expect(second.topology.entryPort).toBe(8080 + secondOffset);
    expect(second.topology.infra.redis.port).toBe(16379 + secondOffset);
    const shared = portsOf(second.topology).filter((p) => portsOf(envStack.topology).includes(p));
    expect(shared).toEqual([]);
  });

  it('when its Redis and Sentry start, then both instances run their own, and down stops only the second', async () => {
    expect(await envStack.isReady('redis')).toBe(true);
    await second.startApp('redis');
    await second.startApp('sentry');
    for (const name of ['redis', 'sentry']) {
      expect(await second.isReady(name)).toBe(true);
      expect(second.pidOf(name)).not.toBeNull();
      expect(second.pidOf(name)).not.toBe(envStack.pidOf(name));
    }
    const rows = await second.status();
    expect(rows.find((r) => r.name === 'redis')).toMatchObject({
      state: 'running',
      ready: 'ready',
      port: second.topology.infra.redis.port,
    });
    expect(rows.find((r) => r.name === 'order')).toMatchObject({ state: 'stopped' });

    await second.down();
    expect(second.isRunning('redis')).toBe(false);
    expect(second.isRunning('sentry')).toBe(false);
    expect(await envStack.isReady('redis')).toBe(true);
    expect(await envStack.isReady('sentry')).toBe(true);
    expect(process.env).toEqual(envBefore);
  });
});
