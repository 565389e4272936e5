import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { repeat } from './repeat.ts';

describe('repeat', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('runs the task every period, counted from the end of the run before', async () => {
    const starts: number[] = [];
    const loop = repeat(
      100,
      async () => {
        starts.push(Date.now());
        await new Promise((r) => setTimeout(r, 50));
      },
      () => undefined,
    );
    await jest.advanceTimersByTimeAsync(100 + 50 + 100 + 50 + 100);
    expect(starts.map((t) => t - starts[0]!)).toEqual([0, 150, 300]);
    loop.stop();
  });

  it('hands a failed run to onError and goes on', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const loop = repeat(
      10,
      async () => {
        runs++;
        throw new Error(`run ${runs}`);
      },
      (e) => errors.push(e),
    );
    await jest.advanceTimersByTimeAsync(35);
    expect(runs).toBe(3);
    expect(errors.map((e) => (e as Error).message)).toEqual(['run 1', 'run 2', 'run 3']);
    loop.stop();
  });

  it('schedules nothing after stop, not even when stopped during a run', async () => {
    let runs = 0;
    let release: () => void = () => undefined;
    const loop = repeat(
      10,
      () => {
        runs++;
        return new Promise<void>((r) => (release = r));
      },
      () => undefined,
    );
    await jest.advanceTimersByTimeAsync(10);
    expect(runs).toBe(1);
    loop.stop();
    release();
    await jest.advanceTimersByTimeAsync(100);
    expect(runs).toBe(1);
  });
});
