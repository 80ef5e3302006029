import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../../shared/errors/index.js';
import { offsetsFromAcks } from '../../../shared/bus/kafka-offsets.js';

describe('offsetsFromAcks', () => {
  it('numbers each partition from its base offset, in message order', () => {
    const out = offsetsFromAcks(
      [1, 0, 1, 1, 0],
      [
        { partition: 0, errorCode: 0, baseOffset: '100' },
        { partition: 1, errorCode: 0, baseOffset: '7' },
      ],
    );
    assert.deepEqual(out, [
      { partition: 1, offset: '7' },
      { partition: 0, offset: '100' },
      { partition: 1, offset: '8' },
      { partition: 1, offset: '9' },
      { partition: 0, offset: '101' },
    ]);
  });

  it('refuses a missing or failed acknowledgement as a retriable error', () => {
    assert.throws(
      () => offsetsFromAcks([0, 1], [{ partition: 0, errorCode: 0, baseOffset: '0' }]),
      (e: unknown) => e instanceof AppError && e.retriable,
    );
    assert.throws(() => offsetsFromAcks([0], [{ partition: 0, errorCode: 6 }]), AppError);
  });
});
