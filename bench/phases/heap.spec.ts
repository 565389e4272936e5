import { describe, expect, it } from '@jest/globals';
import { parseHeapParts } from './heap.ts';

describe('parseHeapParts', () => {
  it("when /metrics lists V8's spaces and external memory, then each in MB and the heap as their sum", () => {
    const text = [
      '# TYPE nodejs_external_memory_bytes gauge',
      'nodejs_external_memory_bytes 2097152',
      'nodejs_heap_space_size_total_bytes{space="read_only"} 0',
      'nodejs_heap_space_size_total_bytes{space="new"} 33554432',
      'nodejs_heap_space_size_total_bytes{space="old"} 25165824',
      'nodejs_heap_space_size_used_bytes{space="old"} 20000000',
      'nodejs_heap_space_size_total_bytes{space="code"} 1048576',
    ].join('\n');
    expect(parseHeapParts(text)).toEqual({
      external: 2,
      'heap:read_only': 0,
      'heap:new': 32,
      'heap:old': 24,
      'heap:code': 1,
      heap: 57,
    });
  });

  it('when the text has none of them, then a heap of 0 and no parts', () => {
    expect(parseHeapParts('process_resident_memory_bytes 65683456\n')).toEqual({ heap: 0 });
  });
});
