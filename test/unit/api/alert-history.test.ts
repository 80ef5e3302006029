import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { alertOn, assertError, createRule } from '../../support/alert-api-fixtures.js';
import { openTestApi, type TestApi } from '../../support/api-fixtures.js';

// GET /v1/alerts (the history, paged) and GET /v1/alerts/{id}/deliveries against the real app and the SQLite
// alert store, filled through deps.alerts.recordAlert as the alerter fills it. Rules: alert-routes.test.ts.

let api: TestApi;

before(async () => {
  api = await openTestApi();
});
after(async () => {
  await api?.close();
});

describe('alert history routes', () => {
  it('pages the history oldest first with next, filters by rule, and links thumbnails and Worldview', async () => {
    const { rule } = await createRule(api, {
      name: 'history',
      references: [{ tileId: api.tileIds[0] }],
      threshold: 0.5,
      cooldownSeconds: 0,
    });
    const { rule: other } = await createRule(api, {
      name: 'other',
      references: [{ tileId: api.tileIds[0] }],
      threshold: 0.5,
      cooldownSeconds: 0,
    });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const tile = api.tiles[11 + i];
      const r = await api.deps.alerts.recordAlert(
        alertOn(api, rule.id, tile, 0.9 - i / 100, new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString()),
      );
      assert.ok(r.recorded, JSON.stringify(r));
      if (r.recorded) ids.push(r.alert.id);
      await api.deps.alerts.recordAlert(alertOn(api, other.id, tile, 0.6, new Date().toISOString()));
    }
    const seen: Array<{
      id: string;
      ruleId: string;
      tileId: string;
      score: number;
      thumbnailUrl: string;
      worldviewUrl: string;
    }> = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const res: LightMyRequestResponse = await api.app.inject({
        method: 'GET',
        url: `/v1/alerts?ruleId=${rule.id}&limit=3${next === null ? '' : `&after=${next}`}`,
      });
      assert.equal(res.statusCode, 200, res.body);
      const page = res.json() as { alerts: typeof seen; next: string | null };
      assert.ok(page.alerts.length <= 3);
      seen.push(...page.alerts);
      next = page.next;
      pages++;
    } while (next !== null && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual(
      seen.map((a) => a.id),
      ids,
    );
    assert.ok(seen.every((a) => a.ruleId === rule.id));
    const first = seen[0];
    assert.equal(first.tileId, api.tiles[11].id);
    assert.equal(first.thumbnailUrl, `/v1/tiles/${api.tiles[11].id}/thumbnail`);
    const wv = new URL(first.worldviewUrl);
    assert.equal(wv.hostname, 'worldview.earthdata.nasa.gov');
    assert.match(wv.searchParams.get('l') ?? '', new RegExp(api.tiles[11].payload.layer));
    assert.equal(wv.searchParams.get('t'), `${api.tiles[11].payload.date.slice(0, 10)}-T00:00:00Z`);

    const all = (await api.app.inject({ method: 'GET', url: '/v1/alerts?limit=1000' })).json() as {
      alerts: Array<{ id: string }>;
      next: string | null;
    };
    assert.equal(all.next, null);
    const numeric = all.alerts.map((a) => Number(a.id));
    assert.deepEqual(
      numeric,
      [...numeric].sort((a, b) => a - b),
      'oldest first',
    );
    assert.ok(all.alerts.length >= 14);

    for (const bad of ['limit=0', 'limit=1001', 'limit=abc', 'after=-1', 'after=x', 'ruleId=nope', 'colour=red'])
      assertError(await api.app.inject({ method: 'GET', url: `/v1/alerts?${bad}` }), 400, 'VALIDATION');
  });

  it('lists an alert’s webhook deliveries; an unknown alert is a 404', async () => {
    const { rule } = await createRule(api, {
      name: 'with webhook',
      references: [{ tileId: api.tileIds[0] }],
      threshold: 0.5,
      webhookUrl: 'https://93.184.216.34/hook',
    });
    const r = await api.deps.alerts.recordAlert(alertOn(api, rule.id, api.tiles[30], 0.99, new Date().toISOString()));
    assert.ok(r.recorded);
    if (!r.recorded) return;
    const res = await api.app.inject({ method: 'GET', url: `/v1/alerts/${r.alert.id}/deliveries` });
    assert.equal(res.statusCode, 200, res.body);
    const { deliveries } = res.json() as {
      deliveries: Array<{ alertId: string; ruleId: string; url: string; state: string; attempts: unknown[] }>;
    };
    assert.equal(deliveries.length, 1);
    assert.equal(deliveries[0].alertId, r.alert.id);
    assert.equal(deliveries[0].ruleId, rule.id);
    assert.equal(deliveries[0].url, 'https://93.184.216.34/hook');
    assert.equal(deliveries[0].state, 'pending');
    assert.deepEqual(deliveries[0].attempts, []);

    assertError(
      await api.app.inject({ method: 'GET', url: '/v1/alerts/987654321/deliveries' }),
      404,
      'ALERT_NOT_FOUND',
    );
    assertError(await api.app.inject({ method: 'GET', url: '/v1/alerts/abc/deliveries' }), 400, 'VALIDATION');
  });
});
