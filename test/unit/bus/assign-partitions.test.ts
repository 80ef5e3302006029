import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { assignPartitions } from '../../../shared/bus/index.js';

describe('assignPartitions', () => {
  it('deals partitions round-robin over members sorted by id', () => {
    const result = assignPartitions(
      [
        { memberId: 'b', topics: ['t'] },
        { memberId: 'a', topics: ['t'] },
      ],
      new Map([['t', 5]]),
    );
    assert.deepEqual(
      result.get('a')?.map((p) => p.partition),
      [0, 2, 4],
    );
    assert.deepEqual(
      result.get('b')?.map((p) => p.partition),
      [1, 3],
    );
  });

  it('gives a topic only to members subscribing to it, and unknown topics to nobody', () => {
    const result = assignPartitions(
      [
        { memberId: 'a', topics: ['x'] },
        { memberId: 'b', topics: ['x', 'y', 'ghost'] },
      ],
      new Map([
        ['x', 2],
        ['y', 3],
      ]),
    );
    assert.ok(result.get('a')?.every((p) => p.topic === 'x'));
    assert.deepEqual(
      result
        .get('b')
        ?.filter((p) => p.topic === 'y')
        .map((p) => p.partition),
      [0, 1, 2],
    );
    assert.equal([...result.values()].flat().filter((p) => p.topic === 'ghost').length, 0);
  });

  it('assigns every partition exactly once, balanced, whatever the member order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 40 }),
        (ids, partitions) => {
          const members = ids.map((memberId) => ({ memberId, topics: ['t'] }));
          const counts = new Map([['t', partitions]]);
          const forward = assignPartitions(members, counts);
          const backward = assignPartitions([...members].reverse(), counts);
          assert.deepEqual([...forward.entries()].sort(), [...backward.entries()].sort());
          const all = [...forward.values()]
            .flat()
            .map((p) => p.partition)
            .sort((a, b) => a - b);
          assert.deepEqual(
            all,
            Array.from({ length: partitions }, (_, i) => i),
          );
          const sizes = [...forward.values()].map((l) => l.length);
          assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
        },
      ),
    );
  });

  it('returns an empty map for no members', () => {
    assert.equal(assignPartitions([], new Map([['t', 3]])).size, 0);
  });
});
