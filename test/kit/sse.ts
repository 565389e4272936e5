/**
 * Server-sent events read from a fetch body (the live order status,
 * services/customer/src/routes/sse.ts): the data of each event, and when the
 * bytes that completed it arrived, taken as the read returns and before any
 * parsing, so a latency measured to it holds none of the reader's own time.
 * Frames end with a blank line and lines with `\n`, as the service writes them.
 */
export interface SseEvent {
  /** The event's `data:` lines, joined by `\n`. */
  data: string;
  /** Epoch milliseconds (performance.timeOrigin + now) when the chunk that completed it was read. */
  at: number;
}

export async function* sseEvents(body: ReadableStream<Uint8Array<ArrayBuffer>>): AsyncGenerator<SseEvent> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      const at = performance.timeOrigin + performance.now();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          // One space after the colon belongs to the field syntax, not to the value.
          .map((l) => l.slice(l.startsWith('data: ') ? 6 : 5))
          .join('\n');
        if (data) yield { data, at };
      }
    }
  } finally {
    // The caller stopped reading (or the stream failed): let go of the body.
    await reader.cancel().catch(() => undefined);
  }
}
