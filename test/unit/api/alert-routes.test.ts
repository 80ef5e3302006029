import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { AlertRule } from '../../../shared/alerts/index.js';
import { alertOn, assertError, bearer, createRule } from '../../support/alert-api-fixtures.js';
import { openTestApi, type TestApi } from '../../support/api-fixtures.js';
import { tiles as kitTiles } from '../../support/data-kit.js';

// The /v1/alerts/* routes against the real app: LanceDB over 48 real embedded tiles, the fs tile store, the
// SQLite alert store and the real query embedder. The history: alert-history.test.ts; the live stream:
// alert-stream.test.ts.

let api: TestApi;
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length, 'vector lengths differ');
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}

before(async () => {
  api = await openTestApi();
});
after(async () => {
  await api?.close();
});

describe('alert routes: who may call what', () => {
  it('reads are open from loopback and with any key; writes need a write (or admin) key', async () => {
    const { rule } = await createRule(api, { name: 'roles', references: [{ tileId: api.tileIds[0] }], threshold: 0.9 });
    const reads = [
      '/v1/alerts/rules',
      `/v1/alerts/rules/${rule.id}`,
      '/v1/alerts?limit=5',
      `/v1/alerts/${'1'}/deliveries`,
    ];
    for (const url of reads) {
      for (const headers of [{}, bearer(api.keys.read), bearer(api.keys.write), bearer(api.keys.admin)]) {
        const res = await api.app.inject({ method: 'GET', url, headers });
        // deliveries of an alert that does not exist yet: 404, past auth
        assert.ok(
          res.statusCode === 200 || (url.includes('deliveries') && res.statusCode === 404),
          `${url}: ${res.body}`,
        );
      }
      assertError(await api.app.inject({ method: 'GET', url, headers: bearer('gek_nope') }), 401, 'UNAUTHORIZED');
    }

    const body = { name: 'w', references: [{ tileId: api.tileIds[1] }], threshold: 0.5 };
    const writes: Array<{ method: 'POST' | 'PATCH' | 'DELETE'; url: string; payload?: object; ok: number }> = [
      { method: 'POST', url: '/v1/alerts/rules', payload: body, ok: 201 },
      { method: 'PATCH', url: `/v1/alerts/rules/${rule.id}`, payload: { threshold: 0.8 }, ok: 200 },
      { method: 'DELETE', url: `/v1/alerts/rules/${rule.id}`, ok: 204 },
    ];
    for (const w of writes) {
      assertError(await api.app.inject({ method: w.method, url: w.url, payload: w.payload }), 401, 'UNAUTHORIZED');
      const message = assertError(
        await api.app.inject({ method: w.method, url: w.url, payload: w.payload, headers: bearer(api.keys.read) }),
        403,
        'FORBIDDEN',
      );
      assert.match(message, /write role/);
    }
    const rulesBefore = (await api.deps.alerts.listRules()).length;
    for (const w of writes) {
      const res = await api.app.inject({
        method: w.method,
        url: w.url,
        payload: w.payload,
        headers: bearer(w.method === 'PATCH' ? api.keys.admin : api.keys.write),
      });
      assert.equal(res.statusCode, w.ok, `${w.method} ${w.url}: ${res.body}`);
    }
    // one made, one deleted: the refused calls above wrote nothing
    assert.equal((await api.deps.alerts.listRules()).length, rulesBefore);
  });

  it('with api.openReads never, an anonymous read is a 401 too', async () => {
    const closed = await openTestApi({ 'api.openReads': 'never' });
    try {
      assertError(await closed.app.inject({ method: 'GET', url: '/v1/alerts/rules' }), 401, 'UNAUTHORIZED');
      assertError(await closed.app.inject({ method: 'GET', url: '/v1/alerts' }), 401, 'UNAUTHORIZED');
      const ok = await closed.app.inject({ method: 'GET', url: '/v1/alerts', headers: bearer(closed.keys.read) });
      assert.equal(ok.statusCode, 200, ok.body);
    } finally {
      await closed.close();
    }
  });
});

describe('alert routes: creating rules', () => {
  it('a tile reference is copied from the tile store and embedded with the serving model: its vector is the stored one', async () => {
    const tile = api.tiles[3];
    const { rule, webhookSecret } = await createRule(api, {
      name: 'smoke plume',
      references: [{ tileId: tile.id.toUpperCase() }],
      threshold: 0.93,
      filter: { bbox: [-20, -10, 40, 30], layers: [tile.payload.layer] },
      cooldownSeconds: 60,
      webhookUrl: 'https://93.184.216.34/hooks/gibs',
    });
    assert.match(webhookSecret, /^\S{20,}$/);
    assert.equal(rule.revision, 1);
    assert.equal(rule.name, 'smoke plume');
    assert.deepEqual(rule.filter, { bbox: [-20, -10, 40, 30], layers: [tile.payload.layer] });
    assert.equal(rule.webhookUrl, 'https://93.184.216.34/hooks/gibs');
    assert.equal(rule.enabled, true);
    assert.equal(rule.references.length, 1);
    const [ref] = rule.references;
    assert.equal(ref.kind, 'tile');
    assert.equal(ref.tileId, tile.id);
    assert.equal(ref.sha256, tile.payload.sha256);
    assert.equal(ref.bytes, tile.bytes.length);
    const images = await api.deps.alerts.referenceImages(rule.id);
    assert.deepEqual(Buffer.from(images[0].bytes), Buffer.from(tile.bytes));

    const vectors = await api.deps.alerts.getReferenceVectors(rule.id, api.model, rule.revision);
    assert.ok(vectors, 'reference vectors stored for the serving model at revision 1');
    assert.equal(vectors.length, 1);
    const [stored] = await api.deps.store.get(api.collection, [tile.id]);
    assert.ok(maxAbsDiff(vectors[0], stored.vector) <= 1e-5, `diff ${maxAbsDiff(vectors[0], stored.vector)}`);
    // not vacuous: another tile's vector is far from it
    assert.ok(maxAbsDiff(vectors[0], api.tiles[10].vector) > 1e-3);

    const got = await api.app.inject({ method: 'GET', url: `/v1/alerts/rules/${rule.id}` });
    assert.equal(got.statusCode, 200, got.body);
    assert.deepEqual(got.json(), { rule });
    assert.equal(JSON.stringify(got.json()).includes(webhookSecret), false, 'the secret is shown only on create');
    const list = (await api.app.inject({ method: 'GET', url: '/v1/alerts/rules' })).json() as { rules: AlertRule[] };
    assert.ok(list.rules.some((r) => r.id === rule.id));
  });

  it('an uploaded image (JPEG, PNG) is embedded as the embedder embeds tiles; defaults fill the rest', async () => {
    const tile = api.tiles[20];
    const png = new Uint8Array(await readFile(kitTiles.goesPng));
    const { rule } = await createRule(api, {
      name: 'uploads',
      references: [
        { image: b64(tile.bytes), name: 'same as a tile.jpg' },
        { image: `data:image/png;base64,${b64(png)}` },
      ],
      threshold: -0.5,
    });
    assert.equal(rule.cooldownSeconds, 3600);
    assert.equal(rule.webhookUrl, null);
    assert.equal(rule.filter, null);
    assert.equal(rule.enabled, true);
    assert.deepEqual(
      rule.references.map((r) => [r.kind, r.label, r.bytes, r.tileId]),
      [
        ['image', 'same as a tile.jpg', tile.bytes.length, undefined],
        ['image', 'upload 2', png.length, undefined],
      ],
    );
    const vectors = await api.deps.alerts.getReferenceVectors(rule.id, api.model, 1);
    assert.ok(vectors && vectors.length === 2);
    // the same bytes as a stored tile embed to that tile's vector
    assert.ok(maxAbsDiff(vectors[0], tile.vector) <= 1e-5);
    assert.ok(Math.abs(cosine(vectors[1], vectors[1]) - 1) < 1e-4, 'unit vector');
    assert.ok(maxAbsDiff(vectors[0], vectors[1]) > 1e-3);
  });

  it('refuses bad input with a 400/404 naming what is wrong, and writes nothing', async () => {
    const rulesBefore = (await api.deps.alerts.listRules()).length;
    const good = { name: 'bad inputs', references: [{ tileId: api.tileIds[0] }], threshold: 0.9 };
    const post = (payload: unknown) =>
      api.app.inject({
        method: 'POST',
        url: '/v1/alerts/rules',
        headers: bearer(api.keys.write),
        payload: payload as object,
      });

    const unknownTile = '0b0e5b7a-54c4-5b06-9a4d-1b2c3d4e5f60';
    assert.match(
      assertError(await post({ ...good, references: [{ tileId: unknownTile }] }), 404, 'TILE_NOT_FOUND'),
      new RegExp(unknownTile),
    );
    const undecodable = assertError(
      await post({
        ...good,
        references: [
          { tileId: api.tileIds[0] },
          { image: b64(new TextEncoder().encode('not an image at all')), name: 'notes.txt' },
        ],
      }),
      400,
      'UNDECODABLE',
    );
    assert.match(undecodable, /notes\.txt/);
    assert.match(assertError(await post({ ...good, threshold: 2 }), 400, 'VALIDATION'), /threshold/);
    assert.match(assertError(await post({ ...good, colour: 'red' }), 400, 'VALIDATION'), /colour/);
    assert.match(assertError(await post({ ...good, references: [{ image: '%%%not base64' }] }), 400), /base64/);
    assert.match(assertError(await post({ ...good, references: [{ image: '' }] }), 400), /references/);
    assert.match(assertError(await post({ ...good, references: [] }), 400), /references/);
    assert.match(assertError(await post({ ...good, references: [{ tileId: 'not-a-uuid' }] }), 400), /tileId/);
    assert.match(assertError(await post({ ...good, name: '  ' }), 400), /name/);
    assert.match(assertError(await post({ ...good, cooldownSeconds: -1 }), 400), /cooldownSeconds/);
    assert.match(assertError(await post({ ...good, filter: { bbox: [10, 50, 20, 40] } }), 400), /filter/);
    assert.match(assertError(await post({ ...good, filter: { bbox: [0, 0, 200, 10] } }), 400), /filter/);
    assert.match(assertError(await post({ ...good, webhookUrl: 'ftp://example.com/x' }), 400), /webhookUrl/);
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://10.1.2.3/hook',
      'https://192.168.0.7/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/hook',
      'http://172.20.0.1/',
    ]) {
      const message = assertError(await post({ ...good, webhookUrl: url }), 400);
      assert.match(message, /webhook/i, url);
    }
    assert.equal((await api.deps.alerts.listRules()).length, rulesBefore, 'no refused rule was stored');
  });
});

describe('alert routes: changing and deleting rules', () => {
  it('PATCH bumps the revision and keeps reference vectors for it (copied, or re-embedded for new references)', async () => {
    const { rule } = await createRule(api, {
      name: 'patch me',
      references: [{ tileId: api.tileIds[5] }],
      threshold: 0.9,
    });
    const patch = (id: string, payload: object, key = api.keys.write) =>
      api.app.inject({ method: 'PATCH', url: `/v1/alerts/rules/${id}`, headers: bearer(key), payload });

    let res = await patch(rule.id, { threshold: 0.75, name: 'renamed', enabled: false, filter: { levels: [0, 1] } });
    assert.equal(res.statusCode, 200, res.body);
    let patched = (res.json() as { rule: AlertRule }).rule;
    assert.equal(patched.revision, 2);
    assert.equal(patched.threshold, 0.75);
    assert.equal(patched.name, 'renamed');
    assert.equal(patched.enabled, false);
    assert.deepEqual(patched.filter, { levels: [0, 1] });
    assert.deepEqual(patched.references, rule.references);
    const v2 = await api.deps.alerts.getReferenceVectors(rule.id, api.model, 2);
    assert.ok(v2, 'vectors for revision 2');
    assert.ok(maxAbsDiff(v2[0], api.tiles[5].vector) <= 1e-5);

    res = await patch(rule.id, { references: [{ tileId: api.tileIds[6] }, { tileId: api.tileIds[7] }], filter: null });
    assert.equal(res.statusCode, 200, res.body);
    patched = (res.json() as { rule: AlertRule }).rule;
    assert.equal(patched.revision, 3);
    assert.equal(patched.filter, null);
    assert.deepEqual(
      patched.references.map((r) => r.tileId),
      [api.tileIds[6], api.tileIds[7]],
    );
    const v3 = await api.deps.alerts.getReferenceVectors(rule.id, api.model, 3);
    assert.ok(v3 && v3.length === 2);
    assert.ok(maxAbsDiff(v3[0], api.tiles[6].vector) <= 1e-5);
    assert.ok(maxAbsDiff(v3[1], api.tiles[7].vector) <= 1e-5);

    // refused changes leave the rule as it was
    assertError(await patch(rule.id, { webhookUrl: 'http://10.0.0.1/x' }), 400);
    assertError(await patch(rule.id, {}), 400, 'VALIDATION');
    assertError(await patch(rule.id, { threshold: -1.5 }), 400, 'VALIDATION');
    assertError(await patch(rule.id, { revision: 9 }), 400, 'VALIDATION');
    assertError(
      await patch(rule.id, { references: [{ image: b64(new Uint8Array([1, 2, 3, 4])) }] }),
      400,
      'UNDECODABLE',
    );
    assert.equal((await api.deps.alerts.getRule(rule.id))?.revision, 3);

    res = await patch(rule.id, { webhookUrl: 'https://93.184.216.34/w' });
    assert.equal((res.json() as { rule: AlertRule }).rule.webhookUrl, 'https://93.184.216.34/w');
    res = await patch(rule.id, { webhookUrl: null });
    assert.equal((res.json() as { rule: AlertRule }).rule.webhookUrl, null);
    assert.equal((res.json() as { rule: AlertRule }).rule.revision, 5);

    assertError(await patch('6f1c2a34-1b2c-4d5e-8f90-123456789abc', { threshold: 0.1 }), 404, 'ALERT_RULE_NOT_FOUND');
    assertError(await patch('nope', { threshold: 0.1 }), 400, 'VALIDATION');
  });

  it('DELETE removes the rule (GET then 404; a second DELETE 404); its alert history stays', async () => {
    const { rule } = await createRule(api, {
      name: 'delete me',
      references: [{ tileId: api.tileIds[8] }],
      threshold: 0.9,
    });
    const recorded = await api.deps.alerts.recordAlert(
      alertOn(api, rule.id, api.tiles[9], 0.95, new Date().toISOString()),
    );
    assert.equal(recorded.recorded, true);
    const del = () =>
      api.app.inject({ method: 'DELETE', url: `/v1/alerts/rules/${rule.id}`, headers: bearer(api.keys.write) });
    const res = await del();
    assert.equal(res.statusCode, 204, res.body);
    assert.equal(res.body, '');
    assertError(
      await api.app.inject({ method: 'GET', url: `/v1/alerts/rules/${rule.id}` }),
      404,
      'ALERT_RULE_NOT_FOUND',
    );
    assertError(await del(), 404, 'ALERT_RULE_NOT_FOUND');
    const history = (await api.app.inject({ method: 'GET', url: `/v1/alerts?ruleId=${rule.id}` })).json() as {
      alerts: unknown[];
    };
    assert.equal(history.alerts.length, 1);
  });
});

describe('alert routes: before anything is indexed', () => {
  it('image references embed with the registry’s latest model; tile references are 404; private webhooks when allowed', async () => {
    const empty = await openTestApi({ 'alerter.webhook.allowPrivate': true }, { empty: true });
    try {
      const res = await empty.app.inject({
        method: 'POST',
        url: '/v1/alerts/rules',
        headers: bearer(empty.keys.write),
        payload: {
          name: 'early',
          references: [{ image: b64(api.tiles[2].bytes) }],
          threshold: 0.9,
          webhookUrl: 'http://127.0.0.1:9/hook',
        },
      });
      assert.equal(res.statusCode, 201, res.body);
      const { rule } = res.json() as { rule: AlertRule };
      assert.equal(rule.webhookUrl, 'http://127.0.0.1:9/hook');
      const latest = await empty.deps.models.latest();
      assert.equal(latest?.id, empty.model);
      const vectors = await empty.deps.alerts.getReferenceVectors(rule.id, empty.model, 1);
      assert.ok(vectors && maxAbsDiff(vectors[0], api.tiles[2].vector) <= 1e-5);

      const tileRef = await empty.app.inject({
        method: 'POST',
        url: '/v1/alerts/rules',
        headers: bearer(empty.keys.write),
        payload: { name: 'tile', references: [{ tileId: api.tileIds[2] }], threshold: 0.9 },
      });
      assert.match(assertError(tileRef, 404, 'TILE_NOT_FOUND'), /index is empty/);
    } finally {
      await empty.close();
    }
  });
});
