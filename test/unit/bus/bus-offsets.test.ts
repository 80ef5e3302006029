import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextOffsets, type BusRecord } from '../../../shared/bus/index.js';

const rec = (topic: string, partition: number, offset: string): BusRecord => ({
  topic,
  partition,
  offset,
  key: 'k',
  value: Buffer.from('v'),
  headers: {},
  timestamp: 0,
});

describe('nextOffsets', () => {
  it('commits highest + 1 per partition, in any input order, beyond 2^53 too', () => {
    const out = nextOffsets([
      rec('b', 0, '7'),
      rec('a', 1, '3'),
      rec('a', 1, '9'),
      rec('a', 0, '0'),
      rec('b', 0, '9007199254740993'),
    ]);
    assert.deepEqual(out, [
      { topic: 'a', partition: 0, offset: '1' },
      { topic: 'a', partition: 1, offset: '10' },
      { topic: 'b', partition: 0, offset: '9007199254740994' },
    ]);
  });

  it('returns nothing for nothing', () => {
    assert.deepEqual(nextOffsets([]), []);
  });
});
