import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReleaseStack } from '../../../shared/lifecycle/index.js';
import { pino } from 'pino';

describe('ReleaseStack', () => {
  it('releases in reverse order, once', async () => {
    const order: string[] = [];
    const stack = new ReleaseStack('svc');
    for (const name of ['bus', 'store', 'consumer']) stack.push(async () => void order.push(name));
    await stack.releaseAll();
    await stack.releaseAll();
    assert.deepEqual(order, ['consumer', 'store', 'bus']);
  });

  it('runs every release when some fail and throws their errors together, naming the owner', async () => {
    const order: string[] = [];
    const stack = new ReleaseStack('alerter');
    stack.push(() => void order.push('first'));
    stack.push(() => {
      throw new Error('store close failed');
    });
    stack.push(async () => {
      order.push('last');
      throw new Error('consumer stop failed');
    });
    await assert.rejects(stack.releaseAll(), (e: unknown) => {
      assert.ok(e instanceof AggregateError);
      assert.match(e.message, /^alerter: closing its adapters failed/);
      assert.deepEqual(
        e.errors.map((x: Error) => x.message),
        ['consumer stop failed', 'store close failed'],
      );
      return true;
    });
    assert.deepEqual(order, ['last', 'first']);
  });

  it('says when it began releasing, and after a failed start logs a failed release instead of throwing it', async () => {
    const stack = new ReleaseStack('api');
    stack.push(() => {
      throw new Error('bus close failed');
    });
    assert.equal(stack.released, false);
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    await stack.releaseAfterFailedStart(log);
    assert.equal(stack.released, true);
    const entries = lines.map((line) => JSON.parse(line) as { level: number; msg: string; err: { message: string } });
    assert.equal(entries.length, 1);
    assert.equal(entries[0].level, 40, 'a warning');
    assert.equal(entries[0].msg, 'api: cleanup after a failed start');
    assert.match(entries[0].err.message, /^api: closing its adapters failed/);
  });
});
