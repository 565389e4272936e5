/**
 * Runs `task` again and again, each run `everyMs` after the one before ended
 * (never two at once, however long one takes); a failed run goes to `onError`
 * and the next one comes as usual. The timers are unref'd: they never keep the
 * process alive. The sweepers (outbox re-drive, payment capture) run on it.
 */
export function repeat(everyMs: number, task: () => Promise<unknown>, onError: (e: unknown) => void): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void task().catch(onError).finally(schedule), everyMs);
    timer.unref();
  };
  schedule();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
