/**
 * A Redis command and its reply, for the two things the bench asks the
 * instance's Redis directly: FLUSHALL before a run, and XINFO GROUPS while it
 * waits for the consumers to catch up.
 *
 * Written by hand on purpose: the services reach Redis only through their
 * sidecars, so the repository has no Redis client to reuse; and redis-cli
 * would start a process for each command (up to four every 50 ms while the
 * bench waits) on the machine being measured, inside the order phase's CPU
 * and drain figures. One connection per command, RESP2, no pipelining.
 */
import net from 'node:net';

/** One command to the Redis on this port; resolves with its reply (RESP2, parsed). */
export function redisQuery(port: number, ...args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let buffer = Buffer.alloc(0);
    sock.setTimeout(10_000, () => sock.destroy(new Error('redis: no reply')));
    sock.once('connect', () =>
      sock.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`),
    );
    sock.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const parsed = parseResp(buffer, 0);
      if (!parsed) return;
      sock.end();
      if (parsed.value instanceof Error) reject(parsed.value);
      else resolve(parsed.value);
    });
    sock.once('error', reject);
  });
}

/** A RESP2 value at `at`, or undefined when the buffer does not hold all of it yet. */
function parseResp(buf: Buffer, at: number): { value: unknown; end: number } | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const line = buf.toString('utf8', at + 1, eol);
  switch (String.fromCharCode(buf[at] ?? 0)) {
    case '+':
      return { value: line, end: eol + 2 };
    case '-':
      return { value: new Error(line), end: eol + 2 };
    case ':':
      return { value: Number(line), end: eol + 2 };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, end: eol + 2 };
      if (buf.length < eol + 2 + n + 2) return undefined;
      return { value: buf.toString('utf8', eol + 2, eol + 2 + n), end: eol + 2 + n + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, end: eol + 2 };
      const items: unknown[] = [];
      let end = eol + 2;
      for (let i = 0; i < n; i++) {
        const item = parseResp(buf, end);
        if (!item) return undefined;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new Error(`redis: unexpected reply ${line}`);
  }
}
