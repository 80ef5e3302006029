import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReleaseStack } from '../../../shared/lifecycle/index.js';

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
});
