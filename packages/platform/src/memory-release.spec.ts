import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { GROWN_NEW_SPACE_BYTES, releaseMemoryWhenIdle, shouldRelease } from './memory-release.ts';

describe('shouldRelease', () => {
  it('when an interval had no young-generation collection and the young generation has grown, then release', () => {
    expect(shouldRelease({ scavenges: 0, newSpaceBytes: 32 * 1024 * 1024 })).toBe(true);
  });

  it('when the process still allocates, or its young generation is at its start size, then leave it', () => {
    expect(shouldRelease({ scavenges: 1, newSpaceBytes: 32 * 1024 * 1024 })).toBe(false);
    expect(shouldRelease({ scavenges: 0, newSpaceBytes: GROWN_NEW_SPACE_BYTES })).toBe(false);
    expect(shouldRelease({ scavenges: 0, newSpaceBytes: 1024 * 1024 })).toBe(false);
  });
});

describe('releaseMemoryWhenIdle', () => {
  let stop: () => void = () => undefined;
  afterEach(() => stop());
  const grown = () => 32 * 1024 * 1024;

  it('when the process is quiet with a grown young generation, then it collects once per quiet interval', async () => {
    const gc = jest.fn();
    stop = releaseMemoryWhenIdle({ gc, checkMs: 40, newSpaceBytes: grown });
    await sleep(150);
    expect(gc.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(gc).toHaveBeenCalledWith({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  });

  it('when the process allocates all the time, then it never collects', async () => {
    const gc = jest.fn();
    stop = releaseMemoryWhenIdle({ gc, checkMs: 100, newSpaceBytes: grown });
    // Garbage fast enough for several young-generation collections in every interval.
    let sink: unknown[] = [];
    const churn = setInterval(() => {
      sink = Array.from({ length: 20_000 }, (_, i) => ({ i, s: `x${i}` }));
    }, 2);
    await sleep(450);
    clearInterval(churn);
    expect(sink.length).toBe(20_000);
    expect(gc).not.toHaveBeenCalled();
  });
});
