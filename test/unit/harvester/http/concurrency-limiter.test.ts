import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AbortedError, ValidationError } from '../../../../shared/errors/index.js';
import { ConcurrencyLimiter } from '../../../../services/harvester/http/index.js';
import { sleep } from '../../../../shared/retry/index.js';

describe('ConcurrencyLimiter', () => {
  it('never runs more than the limit at once and runs everything', async () => {
    const limiter = new ConcurrencyLimiter(3);
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limiter.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await sleep(2 + (i % 4));
          running--;
          return i;
        }),
      ),
    );
    assert.deepEqual(
      results,
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.equal(peak, 3);
    assert.equal(limiter.active, 0);
    assert.equal(limiter.pending, 0);
  });

  it('starts waiters in FIFO order', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2, 3].map((i) =>
        limiter.run(async () => {
          order.push(i);
          await sleep(1);
        }),
      ),
    );
    assert.deepEqual(order, [0, 1, 2, 3]);
  });

  it('frees the slot when an operation throws', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await assert.rejects(
      limiter.run(async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await limiter.run(async () => 'next'), 'next');
    assert.equal(limiter.active, 0);
  });

  it('drops an aborted waiter from the queue without running it', async () => {
    const limiter = new ConcurrencyLimiter(1);
    let release!: () => void;
    const first = limiter.run(
      () =>
        new Promise<void>((r) => {
          release = r;
        }),
    );
    const controller = new AbortController();
    let ran = false;
    const second = limiter.run(async () => {
      ran = true;
    }, controller.signal);
    assert.equal(limiter.pending, 1);
    controller.abort();
    await assert.rejects(second, AbortedError);
    assert.equal(limiter.pending, 0);
    release();
    await first;
    assert.equal(ran, false);
    assert.equal(limiter.active, 0);
    await assert.rejects(
      limiter.run(async () => 1, controller.signal),
      AbortedError,
    );
  });

  it('refuses a limit below 1 or not an integer', () => {
    assert.throws(() => new ConcurrencyLimiter(0), ValidationError);
    assert.throws(() => new ConcurrencyLimiter(1.5), ValidationError);
  });
});
