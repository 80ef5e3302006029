import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AbortedError, ValidationError } from '../../../../shared/errors/index.js';
import { TokenBucket } from '../../../../services/harvester/http/index.js';

describe('TokenBucket', () => {
  it('lets the burst through at once, then charges time at the configured rate', () => {
    let now = 0;
    const bucket = new TokenBucket({ ratePerSecond: 1000, burst: 500, now: () => now });
    assert.equal(bucket.reserve(500), 0);
    assert.equal(bucket.reserve(250), 250); // 250 tokens of debt at 1000/s
    assert.equal(bucket.reserve(250), 500); // queued behind the first debt
    now = 500;
    assert.equal(bucket.reserve(0), 0); // the debt is paid off exactly
    now = 10_000;
    assert.equal(bucket.reserve(600), 100); // idle time refills only up to the burst
  });

  it('accepts a chunk bigger than the burst', () => {
    const now = 0;
    const bucket = new TokenBucket({ ratePerSecond: 100, burst: 10, now: () => now });
    assert.equal(bucket.reserve(1010), 10_000);
  });

  it('holds the long-run rate on the real clock', async () => {
    const bucket = new TokenBucket({ ratePerSecond: 100_000, burst: 10_000 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 6 }, () => bucket.take(10_000)));
    const elapsed = Date.now() - started;
    // 60 kB with 10 kB of burst at 100 kB/s: at least 0.5 s
    assert.ok(elapsed >= 480, `took ${elapsed} ms`);
    assert.ok(elapsed < 2000, `took ${elapsed} ms`);
  });

  it('stops waiting on abort', async () => {
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 0 });
    const controller = new AbortController();
    const waiting = bucket.take(100, controller.signal);
    controller.abort();
    await assert.rejects(waiting, AbortedError);
  });

  it('refuses nonsense', () => {
    assert.throws(() => new TokenBucket({ ratePerSecond: 0 }), ValidationError);
    assert.throws(() => new TokenBucket({ ratePerSecond: Infinity }), ValidationError);
    assert.throws(() => new TokenBucket({ ratePerSecond: 1, burst: -1 }), ValidationError);
    assert.throws(() => new TokenBucket({ ratePerSecond: 1 }).reserve(-5), ValidationError);
  });
});
