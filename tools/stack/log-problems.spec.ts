import { describe, expect, it } from '@jest/globals';
import { problemLines } from './log-problems.ts';

describe('problemLines', () => {
  const since = Date.parse('2026-12-07T06:00:00Z');
  const log = [
    '===== 2026-12-07T05:59:00.000Z starting order',
    '{"level":"warn","time":"2026-12-07T05:59:59.000Z","msg":"before the run"}',
    '{"level":"info","time":"2026-12-07T06:00:01.000Z","msg":"listening"}',
    '{"level":"warn","time":"2026-12-07T06:00:02.000Z","msg":"order transition failed upstream"}',
    '{"level":"error","time":"2026-12-07T06:00:03.000Z","msg":"handler failed"}',
    'time="2026-12-07T06:00:04Z" level=warning msg="No scheduler host addresses provided. Scheduler disabled" app_id=order',
    'time="2026-12-07T06:00:04Z" level=info msg="App entered healthy status" app_id=order',
    'time="2026-12-07T06:00:05Z" level=warning msg="App entered un-healthy status" app_id=order',
    'time="2026-12-07T06:00:05Z" level=error msg="Error processing Redis message" app_id=order',
    '{"level":"fatal","msg":"no time on this line"}',
  ].join('\n');

  it('when a log mixes levels and times, then warnings and above since the moment, without daprd start-up notices', () => {
    expect(problemLines(log, since).map((l) => /msg"?[:=]"([^"]+)/.exec(l)?.[1])).toEqual([
      'order transition failed upstream',
      'handler failed',
      'App entered un-healthy status',
      'Error processing Redis message',
      'no time on this line',
    ]);
  });
});
