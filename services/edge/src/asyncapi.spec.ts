import { readFileSync } from 'node:fs';
import { describe, it } from '@jest/globals';
import { asyncApiJson } from '@baedal/platform/contracts/asyncapi';

describe('services/edge/asyncapi.json', () => {
  it('when compared with the generated document, then it is the same (otherwise run npm run asyncapi)', () => {
    const committed = readFileSync(new URL('../asyncapi.json', import.meta.url), 'utf8');
    // Formatting aside (prettier formats the file): same keys, same order, same values.
    const same = JSON.stringify(JSON.parse(committed)) === JSON.stringify(JSON.parse(asyncApiJson()));
    if (!same) {
      throw new Error('services/edge/asyncapi.json differs from the generated AsyncAPI document: run npm run asyncapi');
    }
  });
});
