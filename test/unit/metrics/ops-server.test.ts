import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Counter } from 'prom-client';
import { createMetricsRegistry, startOpsServer } from '../../../shared/metrics/index.js';

describe('ops server', () => {
  it('serves metrics, liveness and readiness on loopback', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const counter = new Counter({ name: 'test_things_total', help: 'things', registers: [registry] });
    counter.inc(3);
    let ready = false;
    const ops = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      registry,
      checks: [{ name: 'bus', check: async () => ready }],
    });
    try {
      const metrics = await fetch(`${ops.url}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /test_things_total 3/);
      assert.equal((await fetch(`${ops.url}/healthz`)).status, 200);
      const notReady = await fetch(`${ops.url}/readyz`);
      assert.equal(notReady.status, 503);
      assert.deepEqual(((await notReady.json()) as { checks: unknown }).checks, [{ name: 'bus', ok: false }]);
      ready = true;
      assert.equal((await fetch(`${ops.url}/readyz`)).status, 200);
      assert.equal((await fetch(`${ops.url}/nope`)).status, 404);
    } finally {
      await ops.close();
    }
  });

  it('reports a port in use clearly', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const first = await startOpsServer({ host: '127.0.0.1', port: 0, registry });
    try {
      await assert.rejects(
        startOpsServer({ host: '127.0.0.1', port: first.port, registry }),
        /cannot listen on 127.0.0.1:\d+/,
      );
    } finally {
      await first.close();
    }
  });
});
