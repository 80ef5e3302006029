import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BusRecord, TopicPartition } from '../../../shared/bus/index.js';
import { PullBuffer } from '../../../shared/bus/pull-buffer.js';

const recs = (partition: number, from: number, n: number): BusRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    topic: 't',
    partition,
    offset: String(from + i),
    key: null,
    value: Buffer.alloc(0),
    headers: {},
    timestamp: 0,
  }));

function setup(highWater: number) {
  const events: string[] = [];
  const buffer = new PullBuffer({
    highWater,
    pause: (tp: TopicPartition) => events.push(`pause ${tp.partition}`),
    resume: (tp: TopicPartition) => events.push(`resume ${tp.partition}`),
  });
  return { buffer, events };
}

describe('PullBuffer', () => {
  it('pauses a partition at the high-water mark and resumes it once drained below half', () => {
    const { buffer, events } = setup(10);
    buffer.push('t', 0, recs(0, 0, 12));
    assert.deepEqual(events, ['pause 0']);
    buffer.take(3);
    assert.deepEqual(events, ['pause 0'], 'nine left: still paused');
    buffer.take(5);
    assert.deepEqual(events, ['pause 0', 'resume 0']);
    assert.equal(buffer.size(), 4);
  });

  it('keeps offset order within a partition and shares a take across partitions', () => {
    const { buffer } = setup(100);
    buffer.push('t', 0, recs(0, 0, 10));
    buffer.push('t', 1, recs(1, 0, 10));
    const first = buffer.take(6);
    assert.equal(first.filter((r) => r.partition === 0).length, 3);
    assert.equal(first.filter((r) => r.partition === 1).length, 3);
    const rest = buffer.take(100);
    const p0 = [...first, ...rest].filter((r) => r.partition === 0).map((r) => Number(r.offset));
    assert.deepEqual(
      p0,
      Array.from({ length: 10 }, (_, i) => i),
    );
    assert.equal(buffer.size(), 0);
  });

  it('fills a take from other partitions when one runs short', () => {
    const { buffer } = setup(100);
    buffer.push('t', 0, recs(0, 0, 1));
    buffer.push('t', 1, recs(1, 0, 10));
    assert.equal(buffer.take(8).length, 8);
  });

  it('clears one partition or all, resuming what it paused', () => {
    const { buffer, events } = setup(4);
    buffer.push('t', 0, recs(0, 0, 4));
    buffer.push('t', 1, recs(1, 0, 4));
    buffer.clear('t', 0);
    assert.equal(buffer.size(), 4);
    buffer.clearAll();
    assert.equal(buffer.size(), 0);
    assert.deepEqual(events, ['pause 0', 'pause 1', 'resume 0', 'resume 1']);
  });
});
