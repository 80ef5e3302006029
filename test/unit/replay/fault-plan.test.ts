import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../../../shared/errors/index.js';
import { createFaultPlan } from '../../../services/replay/fault-plan.js';
import { mulberry32 } from '../../../shared/random/index.js';
import { replayErrorCodes } from '../../../services/replay/index.js';

describe('fault plan', () => {
  it('hits each kind at its rate over many draws, reproducibly per seed', () => {
    const faults = { errorRate: 0.1, rateLimitRate: 0.05, resetRate: 0.02, truncateRate: 0.03 };
    const draw = (seed: number): Array<string | undefined> => {
      const plan = createFaultPlan(faults, mulberry32(seed));
      return Array.from({ length: 20_000 }, () => plan.next());
    };
    const a = draw(3);
    assert.deepEqual(a, draw(3));
    assert.notDeepEqual(a, draw(4));
    const share = (pred: (k: string | undefined) => boolean): number => a.filter(pred).length / a.length;
    assert.ok(Math.abs(share((k) => k === 'error500' || k === 'error503') - 0.1) < 0.01);
    assert.ok(Math.abs(share((k) => k === 'error500') - 0.05) < 0.01);
    assert.ok(Math.abs(share((k) => k === 'rateLimit') - 0.05) < 0.008);
    assert.ok(Math.abs(share((k) => k === 'reset') - 0.02) < 0.005);
    assert.ok(Math.abs(share((k) => k === 'truncate') - 0.03) < 0.006);
    assert.ok(Math.abs(share((k) => k === undefined) - 0.8) < 0.015);
  });

  it('serves wrong-size answers at their rate, after the other bands', () => {
    const plan = createFaultPlan({ errorRate: 0.2, wrongSizeRate: 0.3, wrongSizePx: 100 }, mulberry32(5));
    const draws = Array.from({ length: 20_000 }, () => plan.next());
    assert.ok(Math.abs(draws.filter((k) => k === 'wrongSize').length / draws.length - 0.3) < 0.015);
    assert.equal(plan.wrongSizePx, 100);
    assert.equal(createFaultPlan({}, mulberry32(1)).wrongSizePx, 64);
  });

  it('never faults with no rates, and uses defaults for latency and Retry-After', () => {
    const plan = createFaultPlan({}, mulberry32(1));
    assert.ok(Array.from({ length: 1000 }, () => plan.next()).every((k) => k === undefined));
    assert.deepEqual([plan.latencyMs, plan.retryAfterSeconds, plan.includeCapabilities], [0, 1, false]);
  });

  it('rejects rates outside [0, 1], rates adding past 1 and negative delays', () => {
    for (const bad of [
      { errorRate: 1.5 },
      { resetRate: -0.1 },
      { errorRate: 0.5, rateLimitRate: 0.3, truncateRate: 0.3 },
      { retryAfterSeconds: -1 },
      { latencyMs: Number.POSITIVE_INFINITY },
    ]) {
      assert.throws(
        () => createFaultPlan(bad, Math.random),
        (e: unknown) => e instanceof ValidationError && e.code === replayErrorCodes.badFaultOptions,
        JSON.stringify(bad),
      );
    }
  });
});
