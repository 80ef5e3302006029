import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AbortedError, AppError } from '../../../shared/errors/index.js';
import { storeErrorCodes } from '../../../shared/store/index.js';
import { pauseAndRetry } from '../../../services/embedder/pause-and-retry.js';
import { capturingLogger } from '../../support/model-fixtures.js';

const down = () => new AppError(storeErrorCodes.unavailable, 'store down', { retriable: true });

describe('pauseAndRetry', () => {
  it('waits out a retriable failure with growing, capped backoff, logging each wait and the resumption', async () => {
    const { log, records } = capturingLogger();
    let calls = 0;
    const result = await pauseAndRetry(
      'writing',
      async () => {
        if (++calls <= 6) throw down();
        return 'ok';
      },
      { initialBackoffMs: 5, maxBackoffMs: 40, log, stopping: new AbortController().signal },
    );
    assert.equal(result, 'ok');
    assert.equal(calls, 7, 'never gave up');
    const waits = records.filter((r) => r.code === storeErrorCodes.unavailable).map((r) => r.delayMs as number);
    assert.equal(waits.length, 6);
    assert.ok(waits[2] > waits[0], `backoff grows: ${waits}`);
    assert.ok(
      waits.every((w) => w <= 40),
      `capped: ${waits}`,
    );
    assert.ok(records.some((r) => r.msg === 'embedder: resumed' && r.attempts === 7));
  });

  it('throws a failure that is not retriable at once', async () => {
    let calls = 0;
    const bad = new AppError('NOT_RETRIABLE_TEST', 'bad', { retriable: false });
    await assert.rejects(
      pauseAndRetry(
        'writing',
        async () => {
          calls++;
          throw bad;
        },
        { initialBackoffMs: 5, maxBackoffMs: 40, log: capturingLogger().log, stopping: new AbortController().signal },
      ),
      (e) => e === bad,
    );
    assert.equal(calls, 1);
  });

  it('a stop during a pause abandons the work with AbortedError; the attempt under way is never cut short', async () => {
    const stopping = new AbortController();
    let calls = 0;
    const run = pauseAndRetry(
      'writing',
      async () => {
        calls++;
        throw down();
      },
      { initialBackoffMs: 10_000, maxBackoffMs: 10_000, log: capturingLogger().log, stopping: stopping.signal },
    );
    setTimeout(() => stopping.abort(), 30);
    await assert.rejects(run, (e) => e instanceof AbortedError);
    assert.equal(calls, 1);
    // already stopping: one attempt still runs (a batch in flight is finished), but no pause follows it
    let ran = false;
    assert.equal(
      await pauseAndRetry(
        'writing',
        async () => {
          ran = true;
          return 1;
        },
        { initialBackoffMs: 5, maxBackoffMs: 5, log: capturingLogger().log, stopping: stopping.signal },
      ),
      1,
    );
    assert.ok(ran);
  });
});
