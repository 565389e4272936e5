/**
 * The load shape of k6's ramping-vus executor, for the local runner
 * (loadtests/local/scenarios.ts runRamp): how many virtual users run at a
 * given second, from a scenario's stages as a k6 script declares them.
 */

export interface Stage {
  /** A k6 duration: `90s`, `1m30s`, `500ms`, `1h`. */
  duration: string;
  target: number;
}

const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** A k6 duration in seconds; a bare number is seconds, as k6 reads it. */
export function durationSeconds(duration: string): number {
  if (/^\d+(\.\d+)?$/.test(duration)) return Number(duration);
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== duration)
    throw new Error(`not a k6 duration: ${JSON.stringify(duration)}`);
  return parts.reduce((sum, [, v, unit]) => sum + Number(v) * (units[unit ?? 's'] ?? 1), 0);
}

/** The stages' whole length, in seconds. */
export const stagesSeconds = (stages: Stage[]) => stages.reduce((sum, s) => sum + durationSeconds(s.duration), 0);

/**
 * The virtual users at `t` seconds after the scenario's start: linear within a
 * stage, changing one at a time as k6 does, the i-th of a stage's n changes at
 * i/n of the stage (so rounded towards the stage's starting value); after the
 * last stage, none.
 */
export function vusAt(startVUs: number, stages: Stage[], t: number): number {
  let from = startVUs;
  let stageStart = 0;
  for (const stage of stages) {
    const length = durationSeconds(stage.duration);
    if (t < stageStart + length) {
      const diff = stage.target - from;
      return from + Math.sign(diff) * Math.floor((Math.abs(diff) * (t - stageStart)) / length + 1e-9);
    }
    stageStart += length;
    from = stage.target;
  }
  return 0;
}
