import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AlertRule } from '../../../shared/alerts/index.js';
import { parseFailureCodes } from '../../../shared/bus/index.js';
import { sha256Hex } from '../../../shared/fs/index.js';
import { alerterErrorCodes } from '../../../services/alerter/index.js';
import { LAYER, NOW, atCosine, dot, embedded, randomUnit, seeded } from '../../support/alerter-fixtures.js';
import { openHarness } from './harness.js';

describe('alerter: tiles.embedded → scored against every rule → alerts', () => {
  it('alerts at the threshold and not just below it, with the score, on the alerts topic and in the history', async () => {
    const h = await openHarness('threshold');
    try {
      const random = seeded(1);
      const ref = randomUnit(random);
      const { rule: low } = await h.rule([ref], { threshold: 0.7999 });
      const { rule: high } = await h.rule([ref], { threshold: 0.8001 });
      const tile = embedded({ i: 1, vector: atCosine(ref, 0.8, random) });
      await h.produce([tile]);
      await h.drain();

      const history = await h.store.listAlerts({ limit: 100 });
      assert.equal(history.length, 1, 'only the rule whose threshold is just below the score alerts');
      assert.equal(history[0].ruleId, low.id);
      assert.ok(Math.abs(history[0].score - 0.8) < 1e-5, `score ${history[0].score}`);
      assert.deepEqual(history[0].payload, tile.payload);
      assert.equal(history[0].alertedAt, NOW.toISOString());
      assert.equal(history[0].model, 'model-a');
      const alerts = await h.topic('alerts');
      assert.deepEqual(alerts, [
        {
          v: 1,
          id: history[0].id,
          rule_id: low.id,
          tile_id: tile.id,
          model: 'model-a',
          score: history[0].score,
          payload: tile.payload,
          alerted_at: NOW.toISOString(),
        },
      ]);
      assert.equal((await h.store.listAlerts({ ruleId: high.id, limit: 10 })).length, 0);
      assert.ok(await h.store.wasScored(tile.id, tile.payload.sha256), 'the tile is marked scored');
      const text = await h.metricsRegistry.metrics();
      assert.match(text, /gibs_embed_alerter_tiles_scored_total\{model="model-a"\} 1/);
      assert.match(text, /gibs_embed_alerter_alerts_total 1/);
      assert.match(text, /gibs_embed_alerter_rules 2/);
      assert.match(text, /gibs_embed_alerter_consumer_lag\{topic="tiles.embedded",partition="\d"\} 0/);
      assert.match(text, /gibs_embed_alerter_scoring_seconds_count 1/);
      assert.match(text, /gibs_embed_alerter_references_embedded_total\{model="model-a"\} 2/);
    } finally {
      await h.close();
    }
  });

  it('scores a rule by its closest reference, over many rules at once', async () => {
    const h = await openHarness('many-rules');
    try {
      const random = seeded(2);
      const refs = Array.from({ length: 40 }, () => [randomUnit(random), randomUnit(random), randomUnit(random)]);
      const rules: AlertRule[] = [];
      for (const r of refs) rules.push((await h.rule(r, { threshold: 0.95 })).rule);
      // tile k sits at cosine 0.97 to the third reference of rule 7k (k = 0..4): only those rules alert
      const tiles = Array.from({ length: 5 }, (_, k) =>
        embedded({ i: k, vector: atCosine(refs[7 * k][2], 0.97, random) }),
      );
      await h.produce(tiles);
      await h.drain({ batchSize: 3 });
      const history = await h.store.listAlerts({ limit: 100 });
      const got = history.map((a) => `${a.tileId}/${a.ruleId}`).sort();
      const want = tiles.map((t, k) => `${t.id}/${rules[7 * k].id}`).sort();
      assert.deepEqual(got, want);
      for (const a of history) {
        const k = tiles.findIndex((t) => t.id === a.tileId);
        const best = Math.max(...refs[7 * k].map((r) => dot(r, tiles[k].vector)));
        assert.ok(Math.abs(a.score - best) < 1e-5, 'the score is the maximum over the rule’s references');
      }
    } finally {
      await h.close();
    }
  });

  it('alerts only on tiles inside the rule’s area and layers', async () => {
    const h = await openHarness('filter');
    try {
      const random = seeded(3);
      const ref = randomUnit(random);
      // z3 tiles span 36°: tile i=0 (row 0, col 0) is lon -180..-144, lat 54..90; i=12 (row 2, col 2) lon -108..-72, lat -18..18
      const { rule: north } = await h.rule([ref], { threshold: 0.9, filter: { bbox: [-180, 70, -160, 90] } });
      const { rule: layers } = await h.rule([ref], {
        threshold: 0.9,
        filter: { layers: ['VIIRS_SNPP_CorrectedReflectance_TrueColor'] },
      });
      const { rule: both } = await h.rule([ref], {
        threshold: 0.9,
        filter: { bbox: [-100, -10, -80, 10], layers: [LAYER], levels: [3] },
      });
      const { rule: everywhere } = await h.rule([ref], { threshold: 0.9 });
      const near = atCosine(ref, 0.95, random);
      const tiles = [
        embedded({ i: 0, vector: near }),
        embedded({ i: 12, vector: near }),
        embedded({ i: 12, vector: near, layer: 'VIIRS_SNPP_CorrectedReflectance_TrueColor' }),
      ];
      await h.produce(tiles);
      await h.drain();
      const got = (await h.store.listAlerts({ limit: 100 })).map(
        (a) => `${tiles.findIndex((t) => t.id === a.tileId)}:${a.ruleId}`,
      );
      assert.deepEqual(
        got.sort(),
        [
          `0:${north.id}`,
          `0:${everywhere.id}`,
          `1:${both.id}`,
          `1:${everywhere.id}`,
          `2:${layers.id}`,
          `2:${everywhere.id}`,
        ].sort(),
      );
    } finally {
      await h.close();
    }
  });

  it('keeps a rule silent for its cooldown after an alert; without one every match alerts', async () => {
    const h = await openHarness('cooldown');
    try {
      const random = seeded(4);
      const ref = randomUnit(random);
      const { rule: quiet } = await h.rule([ref], { threshold: 0.9, cooldownSeconds: 3600 });
      const { rule: chatty } = await h.rule([ref], { threshold: 0.9, cooldownSeconds: 0 });
      await h.produce([embedded({ i: 1, vector: atCosine(ref, 0.95, random) })]);
      await h.drain();
      await h.produce([2, 3].map((i) => embedded({ i, vector: atCosine(ref, 0.95, random) })));
      await h.drain();
      assert.equal((await h.store.listAlerts({ ruleId: quiet.id, limit: 10 })).length, 1);
      assert.equal((await h.store.listAlerts({ ruleId: chatty.id, limit: 10 })).length, 3);
      assert.match(await h.metricsRegistry.metrics(), /gibs_embed_alerter_suppressed_total\{reason="cooldown"\} 2/);
    } finally {
      await h.close();
    }
  });

  it('does not score a disabled rule, and scores it once enabled', async () => {
    const h = await openHarness('disabled');
    try {
      const random = seeded(5);
      const ref = randomUnit(random);
      const { rule } = await h.rule([ref], { threshold: 0.9, enabled: false });
      await h.produce([embedded({ i: 1, vector: atCosine(ref, 0.99, random) })]);
      await h.drain();
      assert.equal((await h.store.listAlerts({ limit: 10 })).length, 0);
      assert.equal(h.embedder.calls.length, 0, 'a disabled rule is not even embedded');
      await h.store.updateRule(rule.id, { enabled: true }, NOW);
      await h.produce([embedded({ i: 2, vector: atCosine(ref, 0.99, random) })]);
      await h.drain();
      assert.equal((await h.store.listAlerts({ limit: 10 })).length, 1);
    } finally {
      await h.close();
    }
  });

  it('never alerts on backfills older than maxAgeDays, nor on an unchanged re-harvest; changed bytes alert again', async () => {
    const h = await openHarness('new-imagery');
    try {
      const random = seeded(6);
      const ref = randomUnit(random);
      await h.rule([ref], { threshold: 0.9 });
      const vector = atCosine(ref, 0.99, random);
      const old = embedded({ i: 1, vector, date: '2026-06-05' }); // 5 days before NOW: beyond maxAgeDays 4
      const edge = embedded({ i: 2, vector, date: '2026-06-06' }); // 4 days: still new imagery
      const fresh = embedded({ i: 3, vector });
      await h.produce([old, edge, fresh]);
      await h.drain();
      const firstRun = (await h.store.listAlerts({ limit: 10 })).map((a) => a.tileId);
      assert.deepEqual(firstRun.sort(), [edge.id, fresh.id].sort());
      assert.equal(await h.store.wasScored(old.id, old.payload.sha256), false, 'a backfill is not scored at all');

      // the harvester fetches tile 3 again: same bytes (re-harvest), then new bytes (GIBS reprocessed the day)
      await h.produce([{ ...fresh, embedded_at: new Date(NOW.getTime() + 1000).toISOString() }]);
      await h.drain();
      assert.equal((await h.store.listAlerts({ limit: 10 })).length, 2, 'an unchanged re-harvest never alerts');
      const changed = {
        ...fresh,
        payload: { ...fresh.payload, sha256: sha256Hex(new TextEncoder().encode('new bytes')) },
      };
      await h.produce([changed]);
      await h.drain();
      assert.equal((await h.store.listAlerts({ limit: 10 })).length, 3, 'new bytes of the tile are new imagery');
      const text = await h.metricsRegistry.metrics();
      assert.match(text, /gibs_embed_alerter_suppressed_total\{reason="backfill"\} 1/);
      assert.match(text, /gibs_embed_alerter_suppressed_total\{reason="already-scored"\} 1/);
    } finally {
      await h.close();
    }
  });

  it('alerts once for a tile written to two models’ collections, whichever comes first, in one batch or two', async () => {
    const h = await openHarness('two-models');
    try {
      const random = seeded(7);
      const refA = randomUnit(random);
      const refB = randomUnit(random);
      const { rule, images } = await h.rule([refA], { threshold: 0.9 });
      h.embedder.set('model-b', images[0], refB);
      const one = embedded({ i: 1, vector: atCosine(refA, 0.95, random) });
      const oneB = { ...embedded({ i: 1, vector: atCosine(refB, 0.95, random), model: 'model-b' }), id: one.id };
      oneB.payload.sha256 = one.payload.sha256;
      await h.produce([one, oneB]); // one batch
      await h.drain();
      const two = embedded({ i: 2, vector: atCosine(refA, 0.95, random) });
      const twoB = { ...embedded({ i: 2, vector: atCosine(refB, 0.95, random), model: 'model-b' }), id: two.id };
      twoB.payload.sha256 = two.payload.sha256;
      await h.produce([twoB]);
      await h.drain();
      await h.produce([two]); // the other model's copy, in a later batch
      await h.drain();
      const history = await h.store.listAlerts({ ruleId: rule.id, limit: 10 });
      assert.deepEqual(
        history.map((a) => `${a.tileId}/${a.model}`),
        [`${one.id}/model-a`, `${two.id}/model-b`],
      );
      assert.equal((await h.topic('alerts')).length, 2);
    } finally {
      await h.close();
    }
  });

  it('sends records it cannot use to tiles.dlq with the reason, commits them, and goes on', async () => {
    const h = await openHarness('dlq');
    try {
      const random = seeded(8);
      const ref = randomUnit(random);
      await h.rule([ref], { threshold: 0.9 });
      await h.bus.produce('tiles.embedded', [
        { key: 'garbage', value: 'not json' },
        { key: 'wrong', value: JSON.stringify({ v: 1, id: 'x' }) },
        { key: 'future', value: JSON.stringify({ v: 2 }) },
      ]);
      const short = embedded({ i: 1, vector: randomUnit(random, 16) });
      const good = embedded({ i: 2, vector: atCosine(ref, 0.95, random) });
      await h.produce([short, good]);
      await h.drain();
      const dlq = await h.topic('tiles.dlq');
      assert.deepEqual(
        dlq.map((d) => [d.key, d.code, d.source_topic]),
        [
          ['garbage', parseFailureCodes.badJson, 'tiles.embedded'],
          ['wrong', parseFailureCodes.badSchema, 'tiles.embedded'],
          ['future', parseFailureCodes.unsupportedVersion, 'tiles.embedded'],
          [short.id, alerterErrorCodes.dimensionMismatch, 'tiles.embedded'],
        ],
      );
      assert.equal(dlq[0].value, 'not json', 'the original is kept verbatim');
      assert.match(dlq[3].reason, /dimension 16.*32/);
      assert.deepEqual(
        (await h.store.listAlerts({ limit: 10 })).map((a) => a.tileId),
        [good.id],
        'the good record of the batch alerts',
      );
      const check = h.bus.consumer({ groupId: 'alerters', topics: ['tiles.embedded'] });
      assert.ok(
        (await check.lag()).every((p) => p.lag === 0),
        'every record committed',
      );
      await check.close();
      assert.match(await h.metricsRegistry.metrics(), /gibs_embed_alerter_dlq_total\{code="BUS_BAD_JSON"\} 1/);
    } finally {
      await h.close();
    }
  });

  it('uses stored reference vectors without embedding, and embeds a changed rule again before scoring it', async () => {
    const h = await openHarness('revisions');
    try {
      const random = seeded(9);
      const ref = randomUnit(random);
      const { rule, images } = await h.rule([ref], { threshold: 0.9 });
      await h.store.putReferenceVectors(rule.id, 'model-a', rule.revision, [ref]);
      await h.produce([embedded({ i: 1, vector: atCosine(ref, 0.95, random) })]);
      await h.drain();
      assert.equal(h.embedder.calls.length, 0, 'stored vectors are used as they are');
      assert.equal((await h.store.listAlerts({ limit: 10 })).length, 1);

      // new references: revision 2 must be embedded before tiles are scored against it
      const moved = randomUnit(random);
      const bytes = new TextEncoder().encode('replacement reference');
      h.embedder.set('model-a', bytes, moved);
      const updated = (await h.store.updateRule(
        rule.id,
        { references: [{ kind: 'image', label: 'new.jpg', bytes }] },
        NOW,
      ))!;
      assert.equal(updated.revision, rule.revision + 1);
      await h.produce([
        embedded({ i: 2, vector: atCosine(ref, 0.95, random) }), // like the old reference: no longer a match
        embedded({ i: 3, vector: atCosine(moved, 0.95, random) }),
      ]);
      await h.drain();
      assert.deepEqual(h.embedder.calls, [{ model: 'model-a', images: 1 }]);
      assert.deepEqual(await h.store.getReferenceVectors(rule.id, 'model-a', updated.revision), [moved]);
      const history = await h.store.listAlerts({ limit: 10 });
      assert.equal(history.length, 2);
      assert.equal(history[1].tileId, embedded({ i: 3, vector: moved }).id);
      assert.ok(images.length === 1);
    } finally {
      await h.close();
    }
  });

  it('leaves out a rule whose reference cannot be embedded with the model, loudly, and scores the others', async () => {
    const h = await openHarness('bad-reference');
    try {
      const random = seeded(10);
      const ref = randomUnit(random);
      const { rule: broken } = await h.store.createRule(
        {
          name: 'broken',
          references: [{ kind: 'image', label: 'broken.jpg', bytes: new TextEncoder().encode('corrupt bytes') }],
          threshold: 0.1,
          cooldownSeconds: 0,
          enabled: true,
        },
        NOW,
      );
      const { rule: good } = await h.rule([ref], { threshold: 0.9 });
      await h.produce([embedded({ i: 1, vector: atCosine(ref, 0.95, random) })]);
      await h.drain();
      await h.produce([embedded({ i: 2, vector: atCosine(ref, 0.95, random) })]);
      await h.drain();
      assert.deepEqual(
        (await h.store.listAlerts({ limit: 10 })).map((a) => a.ruleId),
        [good.id, good.id],
      );
      assert.equal(await h.store.getReferenceVectors(broken.id, 'model-a', broken.revision), undefined);
      assert.ok(
        h.logs.some((r) => r.rule === broken.id && /cannot be embedded/.test(String(r.msg))),
        'the rule is reported',
      );
    } finally {
      await h.close();
    }
  });
});
