import { describe, expect, it } from '@jest/globals';
import { sseEvents, type SseEvent } from './sse.ts';

/** A body that hands over these chunks one read at a time. */
function body(chunks: string[]): ReadableStream<Uint8Array<ArrayBuffer>> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    pull(controller) {
      const next = chunks.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(encoder.encode(next));
    },
  });
}

async function events(chunks: string[]) {
  const out: SseEvent[] = [];
  for await (const e of sseEvents(body(chunks))) out.push(e);
  return out;
}
const all = async (chunks: string[]) => (await events(chunks)).map((e) => e.data);

describe('sseEvents', () => {
  it('given events split across reads, then each event once, whole', async () => {
    expect(await all(['data: {"status":"PA', 'ID"}\n', '\ndata: {"status":"ACCEPTED"}\n\n'])).toEqual([
      '{"status":"PAID"}',
      '{"status":"ACCEPTED"}',
    ]);
  });

  it('given comments, other fields and data without a space, then only the data, lines joined', async () => {
    expect(await all([': keep-alive\n\n', 'event: view\nid: 3\ndata:a\ndata: b\n\n'])).toEqual(['a\nb']);
  });

  it('given an unfinished last frame, then it is not an event', async () => {
    expect(await all(['data: one\n\n', 'data: two\n'])).toEqual(['one']);
  });

  it('given a read, then its events carry the time it returned (epoch ms)', async () => {
    const before = performance.timeOrigin + performance.now();
    const [e] = await events(['data: x\n\n']);
    expect(e?.at).toBeGreaterThanOrEqual(before);
    expect(e?.at).toBeLessThanOrEqual(Date.now() + 1);
  });
});
