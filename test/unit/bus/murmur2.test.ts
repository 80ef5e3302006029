import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import kafkajs from 'kafkajs';
import { murmur2, partitionForKey } from '../../../shared/bus/index.js';

describe('murmur2', () => {
  it('matches the vectors of the Kafka Java client (UtilsTest.testMurmur2)', () => {
    const cases: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [input, expected] of cases) assert.equal(murmur2(Buffer.from(input)), expected, input);
  });

  it("picks the same partition as kafkajs' DefaultPartitioner for any key and partition count", () => {
    const partitioner = kafkajs.Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), fc.integer({ min: 1, max: 64 }), (key, partitions) => {
        const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({
          partitionId: i,
          leader: 0,
          partitionErrorCode: 0,
          replicas: [0],
          isr: [0],
        }));
        const expected = partitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
        assert.equal(partitionForKey(key, partitions), expected);
      }),
      { numRuns: 300 },
    );
  });

  it('always lands in [0, partitions)', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 10_000 }), (key, n) => {
        const p = partitionForKey(key, n);
        return Number.isInteger(p) && p >= 0 && p < n;
      }),
    );
  });
});
