import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, RetriesExhaustedError } from '../../../shared/errors/index.js';
import { backoffMs, withRetry, type RetryPolicy } from '../../../shared/retry/index.js';

const fast: RetryPolicy = { retries: 3, initialMs: 1, maxMs: 5, factor: 2, jitter: 0.5 };

describe('withRetry', () => {
  it('retries retriable AppErrors until success', async () => {
    let calls = 0;
    const result = await withRetry(async () => {
      calls++;
      if (calls < 3) throw new AppError('UNAVAILABLE', 'try later', { retriable: true });
      return 'ok';
    }, fast);
    assert.equal(result, 'ok');
    assert.equal(calls, 3);
  });

  it('never retries non-retriable errors or plain errors', async () => {
    let calls = 0;
    await assert.rejects(
      withRetry(async () => {
        calls++;
        throw new TypeError('bug');
      }, fast),
      TypeError,
    );
    await assert.rejects(
      withRetry(async () => {
        calls++;
        throw new AppError('BAD', 'bad', { retriable: false });
      }, fast),
      /bad/,
    );
    assert.equal(calls, 2);
  });

  it('wraps the last failure when retries run out', async () => {
    let calls = 0;
    const error = await withRetry(async () => {
      calls++;
      throw new AppError('DOWN', 'down', { retriable: true });
    }, fast).catch((e: unknown) => e);
    assert.ok(error instanceof RetriesExhaustedError);
    assert.equal(error.attempts, 4);
    assert.equal(calls, 4);
    assert.equal((error.cause as AppError).code, 'DOWN');
  });

  it('honours a larger server-imposed wait', async () => {
    let calls = 0;
    const started = Date.now();
    await withRetry(
      async () => {
        if (calls++ === 0) throw new AppError('RATE', 'slow down', { retriable: true });
      },
      { ...fast, maxMs: 1000 },
      { retryAfterMs: () => 120 },
    );
    assert.ok(Date.now() - started >= 110);
  });
});

describe('backoffMs', () => {
  it('grows exponentially, stays within jitter bounds and the cap', () => {
    const p: RetryPolicy = { retries: 10, initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 };
    assert.equal(
      backoffMs(p, 1, () => 1),
      100,
    );
    assert.equal(
      backoffMs(p, 1, () => 0),
      50,
    );
    assert.equal(
      backoffMs(p, 3, () => 1),
      400,
    );
    assert.equal(
      backoffMs(p, 10, () => 1),
      1000,
    );
  });
});
