import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { releaseMemoryWhenIdle, shouldRelease } from './memory-release.ts';

describe('shouldRelease', () => {
  it('when an interval had no young-generation collection after a load, then release', () => {
    expect(shouldRelease({ scavenges: 0, loadSinceRelease: true })).toBe(true);
  });

  it('when the process still allocates, or nothing has loaded it since the last release, then leave it', () => {
    expect(shouldRelease({ scavenges: 1, loadSinceRelease: true })).toBe(false);
    expect(shouldRelease({ scavenges: 0, loadSinceRelease: false })).toBe(false);
  });
});

describe('releaseMemoryWhenIdle', () => {
  let stop: () => void = () => undefined;
  afterEach(() => stop());
  // V8's own gc() (as --expose-gc gives it) in a fresh context: young-generation collections on demand.
  v8.setFlagsFromString('--expose-gc');
  const v8Gc = vm.runInNewContext('gc') as (options: object) => void;
  /** A load: a young-generation collection every 5 ms, as a busy service has them. */
  const load = () => {
    const timer = setInterval(() => v8Gc({ type: 'minor' }), 5);
    return () => clearInterval(timer);
  };

  it('when a load stops, then it collects once, and not again while the process stays quiet', async () => {
    const gc = jest.fn();
    stop = releaseMemoryWhenIdle({ gc, checkMs: 100 });
    const stopLoad = load();
    await sleep(350);
    stopLoad();
    expect(gc).not.toHaveBeenCalled();
    await sleep(600);
    expect(gc).toHaveBeenCalledTimes(1);
    expect(gc).toHaveBeenCalledWith({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  });

  it('when no load ever came, then it never collects', async () => {
    const gc = jest.fn();
    stop = releaseMemoryWhenIdle({ gc, checkMs: 40 });
    await sleep(200);
    expect(gc).not.toHaveBeenCalled();
  });
});
