import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { errorCodes } from '../../../shared/errors/index.js';
import { parseFailureCodes } from '../../../shared/bus/index.js';
import { sha256Hex } from '../../../shared/fs/index.js';
import { SERVING_ALIAS, collectionForModel } from '../../../shared/store/index.js';
import { tileCenter } from '../../../shared/tiles/index.js';
import { createEmbedderMetrics, embedderErrorCodes } from '../../../services/embedder/index.js';
import { corruptJpeg, l2 } from '../../support/model-fixtures.js';
import { openHarness, realTiles, tileAddress } from './harness.js';

describe('embedder: tiles.fetched → vector store + tiles.embedded', () => {
  it('embeds every tile into the serving collection with the DESIGN payload, produces tiles.embedded, commits', async () => {
    const h = await openHarness('basic');
    try {
      const ckpt = await h.checkpoint(1);
      await h.registry.promote(ckpt.id);
      const metricsRegistry = new Registry();
      const metrics = createEmbedderMetrics(metricsRegistry);
      const models = h.models(50, metrics);
      await models.open();
      const collection = collectionForModel(ckpt.id);
      assert.equal(await h.store.getAlias(SERVING_ALIAS), collection, 'a fresh store gets its serving alias');
      const tiles = await h.harvest(0, 21);
      const embedder = h.embedder(models, { batchSize: 8 }, { metrics });
      embedder.start();
      await embedder.untilIdle();
      await embedder.stop();

      const byId = new Map(tiles.map((t) => [t.id, t]));
      assert.deepEqual(await h.ids(collection), [...byId.keys()].sort());
      const stored = await h.store.get(collection, [tiles[0].id, tiles[7].id]);
      const images = await realTiles();
      for (const point of stored) {
        const tile = byId.get(point.id)!;
        const { ingested_at, ...rest } = point.payload;
        assert.deepEqual(rest, {
          layer: tile.layer,
          date: `${tile.date}T00:00:00Z`,
          tms: tile.tms,
          z: tile.z,
          row: tile.row,
          col: tile.col,
          bbox: tile.bbox,
          center: tileCenter(tile.bbox),
          model: ckpt.id,
          tile_uri: tile.blob_key,
          sha256: sha256Hex(images[tiles.indexOf(tile) % images.length]),
        });
        assert.ok(Date.parse(ingested_at) > Date.now() - 60_000);
        assert.ok(Math.abs(l2(point.vector) - 1) < 1e-5, 'unit vector');
      }

      const embedded = await h.topic('tiles.embedded');
      assert.equal(embedded.length, 21, 'one tiles.embedded per tile');
      assert.deepEqual(new Set(embedded.map((m) => m.id)), new Set(byId.keys()));
      assert.ok(embedded.every((m) => m.model === ckpt.id && m.payload.model === ckpt.id));
      const sent = embedded.find((m) => m.id === stored[0].id)!;
      assert.ok(
        sent.vector.every((v, i) => Math.abs(v - stored[0].vector[i]) < 1e-6),
        'the stored vector is sent',
      );
      assert.deepEqual(sent.payload, stored[0].payload);
      assert.deepEqual(await h.topic('tiles.dlq'), []);

      // committed: the group has nothing left, in batches of at most batchSize
      const check = h.bus.consumer({ groupId: 'embedders', topics: ['tiles.fetched'] });
      assert.ok((await check.lag()).every((p) => p.lag === 0));
      await check.close();
      const text = await metricsRegistry.metrics();
      assert.match(text, new RegExp(`gibs_embed_embedder_images_total\\{model="${ckpt.id}"\\} 21`));
      assert.match(text, /gibs_embed_embedder_batch_size_bucket\{le="8"\} (\d+)/);
      const buckets =
        /gibs_embed_embedder_batch_size_bucket\{le="8"\} (\d+)[\s\S]*gibs_embed_embedder_batch_size_count (\d+)/.exec(
          text,
        )!;
      assert.equal(buckets[1], buckets[2], 'no batch above batchSize');
      assert.ok(Number(buckets[2]) >= 3, 'at least ceil(21 / 8) batches');
      assert.match(text, new RegExp(`gibs_embed_embedder_model\\{model="${ckpt.id}",role="serving"\\} 1`));
      assert.match(text, /gibs_embed_embedder_consumer_lag\{topic="tiles.fetched",partition="0"\} 0/);
    } finally {
      await h.close();
    }
  });

  it('sends what can never succeed to tiles.dlq with the reason, keeps the rest, and loses nothing', async () => {
    const h = await openHarness('dlq');
    try {
      const ckpt = await h.checkpoint(1);
      await h.registry.promote(ckpt.id);
      const models = h.models();
      await models.open();
      const good = await h.harvest(0, 6);
      // a corrupt JPEG under a real key, a tile whose bytes were never stored, bad schema, not JSON, not UTF-8
      const corrupt = { ...good[0], ...tileAddress(100), sha256: 'a'.repeat(64), fetched_at: new Date().toISOString() };
      await h.blobs.put(corrupt.blob_key, corruptJpeg);
      const missing = { ...corrupt, ...tileAddress(101) };
      await h.bus.produce('tiles.fetched', [
        { key: corrupt.id, value: JSON.stringify(corrupt) },
        { key: missing.id, value: JSON.stringify(missing) },
        { key: 'bad-schema', value: JSON.stringify({ ...good[1], z: -1 }) },
        { key: 'not-json', value: '{"v":1,' },
        { key: 'not-utf8', value: new Uint8Array([0xff, 0xfe, 0x00]) },
      ]);
      const more = await h.harvest(6, 4);
      const embedder = h.embedder(models);
      embedder.start();
      await embedder.untilIdle();
      await embedder.stop();

      const collection = collectionForModel(ckpt.id);
      assert.deepEqual(await h.ids(collection), [...good, ...more].map((t) => t.id).sort());
      const dlq = await h.topic('tiles.dlq');
      const byKey = new Map(dlq.map((d) => [d.key, d]));
      assert.equal(dlq.length, 5);
      assert.equal(byKey.get(corrupt.id)?.code, errorCodes.undecodable);
      assert.equal(byKey.get(missing.id)?.code, embedderErrorCodes.blobMissing);
      assert.match(byKey.get(missing.id)!.reason, new RegExp(missing.blob_key));
      assert.equal(byKey.get('bad-schema')?.code, parseFailureCodes.badSchema);
      assert.match(byKey.get('bad-schema')!.reason, /z/);
      assert.equal(byKey.get('not-json')?.code, parseFailureCodes.badJson);
      assert.equal(byKey.get('not-json')?.value, '{"v":1,', 'the original is kept verbatim');
      assert.equal(byKey.get('not-utf8')?.code, parseFailureCodes.badEncoding);
      assert.equal(byKey.get('not-utf8')?.value, Buffer.from([0xff, 0xfe, 0x00]).toString('base64'));
      assert.ok(dlq.every((d) => d.source_topic === 'tiles.fetched'));
      assert.equal((await h.topic('tiles.embedded')).length, 10, 'only the good tiles go on tiles.embedded');
      const check = h.bus.consumer({ groupId: 'embedders', topics: ['tiles.fetched'] });
      assert.ok(
        (await check.lag()).every((p) => p.lag === 0),
        'the failed records are committed too',
      );
      await check.close();
    } finally {
      await h.close();
    }
  });

  it('with several members, each tile is stored once and committed once', async () => {
    const h = await openHarness('members');
    try {
      const ckpt = await h.checkpoint(1);
      await h.registry.promote(ckpt.id);
      const models = h.models();
      await models.open();
      const tiles = await h.harvest(0, 30);
      const embedder = h.embedder(models, { members: 2, batchSize: 4 });
      embedder.start();
      await embedder.untilIdle();
      await embedder.stop();
      assert.deepEqual(await h.ids(collectionForModel(ckpt.id)), tiles.map((t) => t.id).sort());
      const embedded = await h.topic('tiles.embedded');
      assert.equal(new Set(embedded.map((m) => m.id)).size, 30);
    } finally {
      await h.close();
    }
  });
});
