import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FsModelRegistry } from '../../shared/model/registry/index.js';
import { collectionForModel, type Filter, type VectorPoint } from '../../shared/store/index.js';
import { pointId, tileCenter } from '../../shared/tiles/index.js';
import { startReplayServer, type ReplayServer } from '../../services/replay/index.js';
import { kit } from '../support/data-kit.js';
import { runCli } from '../support/run-cli.js';
import {
  embedderLag,
  openDataDirStore,
  readFetchedMessages,
  scrollAll,
  type FetchedMessage,
} from '../support/pipeline-fixtures.js';
import { bruteForce } from '../support/search-fixtures.js';

const MODIS = 'MODIS_Terra_CorrectedReflectance_TrueColor';
const MARBLE = 'BlueMarble_ShadedRelief_Bathymetry';

interface JsonHit {
  id: string;
  score: number;
  payload: VectorPoint['payload'];
}

/**
 * The whole pipeline as users run it: replay GIBS on loopback → `gibs-embed harvest` → bus → two
 * `gibs-embed embed --until-idle` processes at once on one data directory → vector store → `gibs-embed search`.
 * Real MODIS 2020-09-27 z0-z2 and Blue Marble z0-z3 tiles; a seeded random-initialised model (the embedder
 * promotes one on a fresh install).
 */
describe('pipeline: harvest → bus → two embedders → store → search', () => {
  let replay: ReplayServer;
  let dataDir: string;
  let env: Record<string, string>;
  let messages: FetchedMessage[];
  let points: VectorPoint[];
  let collection: string;
  let model: string;

  before(async () => {
    replay = await startReplayServer({ dataDir: kit(), pregenerate: true });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'pipeline-'));
    env = {
      GIBS_EMBED_DATA_DIR: dataDir,
      GIBS_BASE_URL: replay.url,
      // small batches, so both embedders get work and each process runs many upsert/commit cycles
      EMBED_BATCH_SIZE: '8',
      MODEL_INPUT_SIZE: '64',
    };
  });
  after(async () => {
    await replay.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('harvests every non-blank tile onto the bus', { timeout: 120_000 }, async () => {
    let fetched = 0;
    for (const args of [
      ['--layer', MODIS, '--from', '2020-09-27', '--level', '0,1,2'],
      ['--layer', MARBLE, '--from', '2020-09-20', '--level', '0,1,2,3'],
    ]) {
      const result = await runCli(['harvest', ...args, '--json'], env);
      assert.equal(result.code, 0, result.stderr);
      const summary = JSON.parse(result.stdout) as { fetched: number; blank: number; failed: number };
      assert.equal(summary.failed, 0);
      fetched += summary.fetched;
    }
    messages = await readFetchedMessages(dataDir);
    assert.equal(fetched, 23 + 73);
    assert.equal(new Set(messages.map((m) => m.id)).size, fetched);
  });

  it(
    'two embed --until-idle processes store every tile exactly once, with its payload',
    { timeout: 240_000 },
    async () => {
      const [a, b] = await Promise.all([
        runCli(['embed', '--until-idle'], env, { timeoutMs: 200_000 }),
        runCli(['embed', '--until-idle'], env, { timeoutMs: 200_000 }),
      ]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      assert.equal(await embedderLag(dataDir), 0);

      const registry = new FsModelRegistry({ root: path.join(dataDir, 'models') });
      model = (await registry.latest())?.id ?? '';
      await registry.close();
      assert.ok(model, 'the embedder promoted a model');

      const store = await openDataDirStore(dataDir);
      try {
        ({ collection, points } = await scrollAll(store));
        assert.equal(collection, collectionForModel(model));
        assert.equal(await store.count(collection), messages.length);
      } finally {
        await store.close();
      }
      const ids = points.map((p) => p.id);
      assert.equal(new Set(ids).size, ids.length, 'no point twice');
      assert.deepEqual(new Set(ids), new Set(messages.map((m) => m.id)));
      for (const m of messages) {
        const p = points.find((x) => x.id === m.id) as VectorPoint;
        assert.equal(m.id, pointId(m.layer, m.date, m.tms, m.z, m.row, m.col));
        assert.deepEqual(
          { ...p.payload, ingested_at: undefined },
          {
            layer: m.layer,
            date: `${m.date}T00:00:00Z`,
            tms: m.tms,
            z: m.z,
            row: m.row,
            col: m.col,
            bbox: m.bbox,
            center: tileCenter(m.bbox),
            model,
            tile_uri: m.blob_key,
            sha256: m.sha256,
            ingested_at: undefined,
          },
        );
        assert.ok(Date.parse(p.payload.ingested_at) >= m.timestamp - 1000, 'ingested after it was fetched');
        assert.ok(Math.abs(Math.hypot(...p.vector) - 1) < 1e-4, 'unit vector');
      }
    },
  );

  const search = async (args: string[]): Promise<JsonHit[]> => {
    const result = await runCli(['search', ...args, '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    return (JSON.parse(result.stdout) as { hits: JsonHit[] }).hits;
  };

  it('finds a stored tile first when searching with its own image', { timeout: 120_000 }, async () => {
    const picks = [
      points.find((p) => p.payload.layer === MODIS && p.payload.z === 2),
      points.find((p) => p.payload.layer === MARBLE && p.payload.z === 3),
    ] as VectorPoint[];
    for (const p of picks) {
      const hits = await search(['--image', path.join(dataDir, 'blobs', p.payload.tile_uri), '--limit', '3']);
      assert.equal(hits[0].id, p.id, `${p.payload.layer} ${p.payload.z}/${p.payload.row}/${p.payload.col}`);
      assert.ok(hits[0].score > 0.99999, `self score ${hits[0].score}`);
    }
  });

  it('filters by date, bbox and layer exactly as brute force over every point', { timeout: 120_000 }, async () => {
    const query = points.find((p) => p.payload.layer === MODIS && p.payload.z === 1) as VectorPoint;
    const cases: Array<{ args: string[]; filter: Filter }> = [
      { args: ['--from', '2020-09-27'], filter: { date: { gte: '2020-09-27' } } },
      {
        args: ['--to', '2020-09-26', '--layer', MARBLE],
        filter: { and: [{ date: { lte: '2020-09-26' } }, { layer: [MARBLE] }] },
      },
      { args: ['--bbox', '150,-40,-150,40'], filter: { bbox: [150, -40, -150, 40] } },
      {
        args: ['--bbox', '-10,35,40,60', '--layer', MODIS, '--from', '2020-09-01', '--to', '2020-09-30'],
        filter: {
          and: [{ bbox: [-10, 35, 40, 60] }, { layer: [MODIS] }, { date: { gte: '2020-09-01', lte: '2020-09-30' } }],
        },
      },
    ];
    for (const { args, filter } of cases) {
      const expected = bruteForce(points, query.vector, 1000, { and: [filter, { not: { id: [query.id] } }] });
      assert.ok(expected.length > 0 && expected.length < points.length - 1, `${args.join(' ')}: a proper subset`);
      const hits = await search(['--tile', query.id, '--limit', '1000', ...args]);
      assert.deepEqual(new Set(hits.map((h) => h.id)), new Set(expected.map((e) => e.id)), args.join(' '));
      hits.forEach((h, i) => assert.ok(Math.abs(h.score - expected[i].score) < 1e-5, `${args.join(' ')} rank ${i}`));
    }
  });

  it('stats sees every point, no lag and no dead letters', { timeout: 60_000 }, async () => {
    const result = await runCli(['stats', '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    const stats = JSON.parse(result.stdout);
    assert.equal(stats.alias.collection, collection);
    assert.deepEqual(stats.byModel, [{ value: model, count: messages.length }]);
    assert.equal(stats.embedderLag.lag, 0);
    assert.equal(stats.dlq.messages, 0);
  });
});
