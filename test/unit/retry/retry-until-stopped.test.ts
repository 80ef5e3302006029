import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AbortedError, AppError, ValidationError } from '../../../shared/errors/index.js';
import { retryUntilStopped, type RetryUntilStoppedOptions } from '../../../shared/retry/index.js';
import { storeErrorCodes } from '../../../shared/store/index.js';
import { capturingLogger } from '../../support/model-fixtures.js';

const down = () => new AppError(storeErrorCodes.unavailable, 'store down', { retriable: true });

/** options with a fresh logger; `over` wins */
function options(over: Partial<RetryUntilStoppedOptions> = {}): RetryUntilStoppedOptions {
  return {
    initialBackoffMs: 5,
    maxBackoffMs: 40,
    log: capturingLogger().log,
    service: 'embedder',
    stopping: new AbortController().signal,
    ...over,
  };
}

describe('retryUntilStopped', () => {
  it('waits out a retriable failure with growing, capped backoff, logging and counting each wait and the resumption', async () => {
    const { log, records } = capturingLogger();
    const paused: string[] = [];
    let calls = 0;
    const result = await retryUntilStopped(
      'writing',
      async () => {
        if (++calls <= 6) throw down();
        return 'ok';
      },
      options({ log, onPause: (code) => paused.push(code) }),
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
    assert.deepEqual(paused, Array(6).fill(storeErrorCodes.unavailable), 'onPause told of every wait, by code');
    assert.ok(records.some((r) => r.msg === 'embedder: paused, writing failed; retrying in ' + waits[0] + ' ms'));
    assert.ok(records.some((r) => r.msg === 'embedder: resumed' && r.attempts === 7));
  });

  it('names the service in its log lines, and logs nothing when the first attempt succeeds', async () => {
    const { log, records } = capturingLogger();
    let calls = 0;
    const op = async () => {
      if (++calls === 1) throw down();
      return calls;
    };
    assert.equal(await retryUntilStopped('polling', op, options({ log, service: 'alerter' })), 2);
    assert.deepEqual(
      records.map((r) => String(r.msg).split(',')[0]),
      ['alerter: paused', 'alerter: resumed'],
    );
    const quiet = capturingLogger();
    assert.equal(await retryUntilStopped('polling', async () => 1, options({ log: quiet.log })), 1);
    assert.deepEqual(quiet.records, []);
  });

  it('throws a failure that is not retriable, or that is not an AppError, at once', async () => {
    for (const bad of [new AppError('NOT_RETRIABLE_TEST', 'bad', { retriable: false }), new TypeError('a bug')]) {
      let calls = 0;
      const paused: string[] = [];
      await assert.rejects(
        retryUntilStopped(
          'writing',
          async () => {
            calls++;
            throw bad;
          },
          options({ onPause: (code) => paused.push(code) }),
        ),
        (e) => e === bad,
      );
      assert.equal(calls, 1);
      assert.deepEqual(paused, []);
    }
  });

  it('a stop during a pause abandons the work with AbortedError; the attempt under way is never cut short', async () => {
    const stopping = new AbortController();
    let calls = 0;
    const run = retryUntilStopped(
      'writing',
      async () => {
        calls++;
        throw down();
      },
      options({ initialBackoffMs: 10_000, maxBackoffMs: 10_000, stopping: stopping.signal }),
    );
    setTimeout(() => stopping.abort(), 30);
    const started = performance.now();
    await assert.rejects(run, (e) => e instanceof AbortedError);
    assert.ok(performance.now() - started < 5000, 'the 10 s wait was cut short');
    assert.equal(calls, 1);
    // already stopping: one attempt still runs (a batch in flight is finished), but no pause follows it
    let ran = false;
    assert.equal(
      await retryUntilStopped(
        'writing',
        async () => {
          ran = true;
          return 1;
        },
        options({ stopping: stopping.signal }),
      ),
      1,
    );
    assert.ok(ran);
    let failing = 0;
    await assert.rejects(
      retryUntilStopped(
        'writing',
        async () => {
          failing++;
          throw down();
        },
        options({ stopping: stopping.signal }),
      ),
      (e) => e instanceof AbortedError && /stopping while writing was failing/.test(e.message),
    );
    assert.equal(failing, 1, 'a failure once stopping is not retried');
  });

  it('a stop while a retry runs lets it finish, and a success still resolves', async () => {
    const stopping = new AbortController();
    let calls = 0;
    const result = await retryUntilStopped(
      'writing',
      async () => {
        if (++calls === 1) throw down();
        stopping.abort();
        await new Promise((resolve) => setTimeout(resolve, 20));
        return 'done';
      },
      options({ stopping: stopping.signal }),
    );
    assert.equal(result, 'done');
    assert.equal(calls, 2);
  });

  it('refuses backoffs that would make an outage a busy loop', async () => {
    const op = async () => 1;
    for (const over of [
      { initialBackoffMs: 0 },
      { initialBackoffMs: -5 },
      { initialBackoffMs: Number.NaN },
      { maxBackoffMs: 0 },
      { maxBackoffMs: Number.POSITIVE_INFINITY },
    ])
      await assert.rejects(
        retryUntilStopped('writing', op, options(over)),
        (e) => e instanceof ValidationError && /initialBackoffMs/.test(e.message),
        JSON.stringify(over),
      );
    // a cap below the first wait is allowed: every wait is then the cap
    assert.equal(await retryUntilStopped('writing', op, options({ initialBackoffMs: 50, maxBackoffMs: 10 })), 1);
  });
});
