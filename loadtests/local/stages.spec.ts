import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { scenarioThresholds } from './k6-options.ts';
import { durationSeconds, stagesSeconds, vusAt } from './stages.ts';

describe('k6 durations', () => {
  it('reads seconds, minutes, hours, milliseconds and their sums', () => {
    expect(durationSeconds('90s')).toBe(90);
    expect(durationSeconds('1m30s')).toBe(90);
    expect(durationSeconds('2m')).toBe(120);
    expect(durationSeconds('1h')).toBe(3600);
    expect(durationSeconds('500ms')).toBe(0.5);
    expect(durationSeconds('1.5s')).toBe(1.5);
    expect(durationSeconds('45')).toBe(45);
  });
  it('refuses what k6 would refuse', () => {
    for (const bad of ['', 's', '10 s', '10x', '1m 30s', 'ten'])
      expect(() => durationSeconds(bad)).toThrow(/k6 duration/);
  });
});

describe('ramping-vus stages', () => {
  const stages = [
    { duration: '60s', target: 20 },
    { duration: '20s', target: 20 },
    { duration: '20s', target: 0 },
  ];
  it('sums the stages', () => expect(stagesSeconds(stages)).toBe(100));
  it('adds one VU every 3 s on the way up, the i-th at i/20 of the stage', () => {
    expect(vusAt(0, stages, 0)).toBe(0);
    expect(vusAt(0, stages, 2.99)).toBe(0);
    expect(vusAt(0, stages, 3)).toBe(1);
    expect(vusAt(0, stages, 30)).toBe(10);
    expect(vusAt(0, stages, 59.9)).toBe(19);
  });
  it('holds, then removes one every second on the way down', () => {
    expect(vusAt(0, stages, 60)).toBe(20);
    expect(vusAt(0, stages, 79.9)).toBe(20);
    expect(vusAt(0, stages, 80)).toBe(20);
    expect(vusAt(0, stages, 80.99)).toBe(20);
    expect(vusAt(0, stages, 81)).toBe(19);
    expect(vusAt(0, stages, 99.5)).toBe(1);
  });
  it('runs none after the last stage, and starts from startVUs', () => {
    expect(vusAt(0, stages, 100)).toBe(0);
    expect(vusAt(5, [{ duration: '10s', target: 15 }], 0)).toBe(5);
    expect(vusAt(5, [{ duration: '10s', target: 15 }], 5)).toBe(10);
  });
});

describe('scenario thresholds', () => {
  const options = {
    thresholds: {
      'http_req_failed{scenario:ramp}': ['rate<0.01'],
      'http_req_duration{scenario:ramp}': ['p(95)<200', 'p(99)<500', 'avg<100'],
      'checks{scenario:ramp}': ['rate>0.99'],
      'http_req_failed{scenario:siege}': ['rate<0.5'],
    },
  };
  const latency = (p: number) => (p === 99 ? 600 : 150);
  it("holds one scenario's thresholds against the run's figures", () => {
    expect(scenarioThresholds(options, 'ramp', { failedRate: 0.02, latency, avgMs: 50 })).toEqual([
      { metric: 'http_req_failed', expr: 'rate<0.01', ok: false },
      { metric: 'http_req_duration', expr: 'p(95)<200', ok: true },
      { metric: 'http_req_duration', expr: 'p(99)<500', ok: false },
      { metric: 'http_req_duration', expr: 'avg<100', ok: true },
    ]);
  });
  it('refuses a threshold it cannot evaluate rather than skip it', () => {
    const odd = { thresholds: { 'http_req_duration{scenario:ramp}': ['p(95)>200'] } };
    expect(() => scenarioThresholds(odd, 'ramp', { failedRate: 0, latency, avgMs: 0 })).toThrow(/not one/);
  });
});

describe("siege.js's options, read by loading the script", () => {
  // In a Node process of its own: the loader hook that stands in for k6's modules is Node's, not jest's.
  const read = (env: Record<string, string>) =>
    JSON.parse(
      execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const { k6Options } = await import('./loadtests/local/k6-options.ts');
           console.log(JSON.stringify(await k6Options('loadtests/siege.js', ${JSON.stringify(env)})));`,
        ],
        { encoding: 'utf8' },
      ),
    ) as {
      scenarios: Record<string, { executor: string; stages?: unknown[]; startTime?: string }>;
      thresholds: object;
    };
  it('has the siege, then the ramp', () => {
    const o = read({});
    expect(Object.keys(o.scenarios)).toEqual(['siege', 'ramp']);
    expect(o.scenarios.ramp?.executor).toBe('ramping-vus');
    expect(o.scenarios.ramp?.stages?.length).toBeGreaterThan(0);
    expect(o.scenarios.ramp?.startTime).toBeDefined();
    expect(Object.keys(o.thresholds)).toContain('http_req_failed{scenario:ramp}');
  });
  it('runs one scenario at once with SCENARIO', () => {
    const o = read({ SCENARIO: 'ramp' });
    expect(Object.keys(o.scenarios)).toEqual(['ramp']);
    expect(o.scenarios.ramp?.startTime).toBeUndefined();
    expect(Object.keys(o.thresholds).every((k) => k.includes('scenario:ramp'))).toBe(true);
  });
});
