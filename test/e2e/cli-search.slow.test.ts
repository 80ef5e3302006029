import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteBus } from '../../shared/bus/index.js';
import { FsModelRegistry } from '../../shared/model/registry/index.js';
import {
  SERVING_ALIAS,
  collectionForModel,
  createVectorStore,
  type Filter,
  type VectorPoint,
} from '../../shared/store/index.js';
import { startReplayServer } from '../../services/replay/index.js';
import { kit } from '../support/data-kit.js';
import { runCli } from '../support/run-cli.js';
import {
  bruteForce,
  embedTiles,
  fetchReplayTiles,
  promoteRandomCheckpoint,
  recommendQuery,
  toPoint,
  type FetchedTile,
} from '../support/search-fixtures.js';

const MODIS = 'MODIS_Terra_CorrectedReflectance_TrueColor';
const MARBLE = 'BlueMarble_ShadedRelief_Bathymetry';

interface JsonHit {
  id: string;
  score: number;
  payload: VectorPoint['payload'];
}

/**
 * The hits must be the exact top-k: the same scores rank by rank, and the same ids wherever the brute-force
 * ranking is not a near tie (a float32 store and float64 brute force may order ties within 1e-5 apart).
 */
function assertExactTopK(hits: JsonHit[], expected: Array<{ id: string; score: number }>): void {
  assert.equal(hits.length, expected.length, 'number of hits');
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(hits[i].score - expected[i].score) < 1e-5,
      `rank ${i}: ${hits[i].score} vs ${expected[i].score}`,
    );
    const tied = [expected[i - 1], expected[i + 1]].some((n) => n && Math.abs(n.score - expected[i].score) < 1e-5);
    if (!tied) assert.equal(hits[i].id, expected[i].id, `rank ${i}`);
  }
  assert.deepEqual(new Set(hits.map((h) => h.id)).size, hits.length, 'no id twice');
}

/**
 * `gibs-embed search` and `stats` as analysts run them, on a LanceDB store filled through the port with real
 * embeddings of the replay's real tiles (a random-initialised checkpoint from the registry), compared with
 * exact brute force over the same points.
 */
describe('gibs-embed search and stats', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let points: VectorPoint[];
  let tiles: FetchedTile[];
  let model: string;
  const files: Record<string, string> = {};

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'cli-search-'));
    env = { GIBS_EMBED_DATA_DIR: dataDir };
    const server = await startReplayServer({ dataDir: kit() });
    try {
      // MODIS 2020-09-27 z0-z2 (mosaic), MODIS 2016-01-24 z5 (real tiles), Blue Marble z0-z3 filed under 2020-09-20
      tiles = await fetchReplayTiles(server, (t) => t.layer === MODIS || t.layer === MARBLE);
    } finally {
      await server.close();
    }
    const registryDir = path.join(dataDir, 'models');
    model = await promoteRandomCheckpoint(registryDir);
    const registry = new FsModelRegistry({ root: registryDir });
    const checkpointDir = await registry.checkpointDir(model);
    await registry.close();
    const vectors = await embedTiles(
      checkpointDir,
      tiles.map((t) => t.bytes),
    );
    points = tiles.map((t, i) => toPoint(t, vectors[i], model));

    const store = await createVectorStore({
      kind: 'lancedb',
      path: path.join(dataDir, 'vectors'),
      exactBelowSelectivity: 0.05,
      indexMinRows: 50_000,
      maintenanceIntervalMs: 60_000,
    });
    try {
      const collection = collectionForModel(model);
      await store.ensureCollection(collection, vectors[0].length);
      await store.upsert(collection, points);
      await store.setAlias(SERVING_ALIAS, collection);
    } finally {
      await store.close();
    }
    await mkdir(path.join(dataDir, 'queries'));
    for (const [name, index] of [
      ['modis', tiles.findIndex((t) => t.address.layer === MODIS && t.address.z === 2)],
      ['marble', tiles.findIndex((t) => t.address.layer === MARBLE && t.address.z === 3)],
    ] as const) {
      files[name] = path.join(dataDir, 'queries', `${name}.jpg`);
      await writeFile(files[name], tiles[index].bytes);
      files[`${name}Id`] = points[index].id;
    }
    files.text = path.join(dataDir, 'queries', 'notes.jpg');
    await writeFile(files.text, 'this is not an image');
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const search = async (args: string[]) => {
    const result = await runCli(['search', ...args, '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    const parsed = JSON.parse(result.stdout) as { hits: JsonHit[] };
    assert.deepEqual(Object.keys(parsed), ['hits']);
    for (const hit of parsed.hits) assert.deepEqual(Object.keys(hit).sort(), ['id', 'payload', 'score']);
    return parsed.hits;
  };
  const vectorOf = (id: string) => (points.find((p) => p.id === id) as VectorPoint).vector;

  it('finds a stored tile first when searching with its own image, as brute force ranks', async () => {
    for (const name of ['modis', 'marble']) {
      const hits = await search(['--image', files[name], '--limit', '12']);
      assert.equal(hits[0].id, files[`${name}Id`]);
      assert.ok(hits[0].score > 0.99999, `self score ${hits[0].score}`);
      assertExactTopK(hits, bruteForce(points, vectorOf(files[`${name}Id`]), 12));
      const stored = points.find((p) => p.id === hits[0].id) as VectorPoint;
      assert.deepEqual(hits[0].payload, stored.payload);
    }
  });

  it('searches like a stored tile with --tile, leaving the tile itself out', async () => {
    const id = files.modisId;
    const hits = await search(['--tile', id, '--limit', '5']);
    assert.ok(!hits.some((h) => h.id === id));
    assertExactTopK(hits, bruteForce(points, vectorOf(id), 5, { not: { id: [id] } }));
  });

  it('filters by date, bbox (across the antimeridian), layer and level exactly', async () => {
    const cases: Array<{ args: string[]; filter: Filter }> = [
      {
        args: ['--from', '2020-09-21', '--to', '2020-09-30'],
        filter: { date: { gte: '2020-09-21', lte: '2020-09-30' } },
      },
      { args: ['--to', '2016-01-24'], filter: { date: { lte: '2016-01-24' } } },
      { args: ['--bbox', '170,-60,-170,60'], filter: { bbox: [170, -60, -170, 60] } },
      { args: ['--bbox', '-20,30,10,50', '--level', '3'], filter: { and: [{ bbox: [-20, 30, 10, 50] }, { z: [3] }] } },
      { args: ['--layer', MODIS, '--level', '0,1'], filter: { and: [{ layer: [MODIS] }, { z: [0, 1] }] } },
      {
        args: ['--layer', MARBLE, '--from', '2020-09-20', '--to', '2020-09-20', '--bbox', '100,-10,140,10'],
        filter: {
          and: [{ layer: [MARBLE] }, { date: { gte: '2020-09-20', lte: '2020-09-20' } }, { bbox: [100, -10, 140, 10] }],
        },
      },
    ];
    const query = vectorOf(files.marbleId);
    for (const { args, filter } of cases) {
      const expected = bruteForce(points, query, 1000, { and: [filter, { not: { id: [files.marbleId] } }] });
      assert.ok(expected.length > 0 && expected.length < points.length - 1, `${args.join(' ')}: a proper subset`);
      const hits = await search(['--tile', files.marbleId, '--limit', '1000', ...args]);
      assert.deepEqual(new Set(hits.map((h) => h.id)), new Set(expected.map((e) => e.id)), args.join(' '));
      assertExactTopK(hits, expected);
    }
  });

  it('steers away from negatives (files and ids) as the average-vector recommendation', async () => {
    const hits = await search([
      '--image',
      files.modis,
      '--negative',
      files.marble,
      '--negative',
      files.marbleId,
      '--limit',
      '8',
    ]);
    const query = recommendQuery([vectorOf(files.modisId)], [vectorOf(files.marbleId), vectorOf(files.marbleId)]);
    assertExactTopK(hits, bruteForce(points, query, 8, { not: { id: [files.marbleId] } }));
  });

  it('prints a readable table without --json', async () => {
    const result = await runCli(['search', '--tile', files.modisId, '--limit', '3'], env);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.match(lines[0], new RegExp(`^3 hits in ${collectionForModel(model)} \\(alias ${SERVING_ALIAS}\\)`));
    assert.match(lines[1], /#\s+score\s+id\s+layer\s+date\s+z\/row\/col\s+bbox/);
    assert.equal(lines.length, 5);
    assert.match(lines[2], /^1\s+0\.\d{4}\s+[0-9a-f-]{36}\s+\S+\s+\d{4}-\d{2}-\d{2}\s+\d+\/\d+\/\d+\s+-?\d/);
  });

  const refusals: Array<[string, () => string[], RegExp]> = [
    ['an unknown tile id', () => ['--tile', '00000000-0000-4000-8000-000000000000'], /unknown tile id 00000000-/],
    [
      'a negative id that is not stored',
      () => ['--tile', files.modisId, '--negative', '10000000-0000-4000-8000-000000000000'],
      /unknown tile id 10000000-/,
    ],
    ['a missing image', () => ['--image', path.join(dataDir, 'nope.jpg')], /cannot read image .*nope\.jpg/],
    ['a file that is no image', () => ['--image', files.text], /notes\.jpg is not a decodable JPEG\/PNG image/],
    ['a malformed tile id', () => ['--tile', 'tile-1'], /--tile.*expected a tile's point id/],
    ['a bad bbox', () => ['--tile', files.modisId, '--bbox', '0,50,10,40'], /--bbox.*minLat < maxLat/],
    ['a bad date', () => ['--tile', files.modisId, '--from', '2020-02-30'], /--from.*calendar date/],
    [
      '--from after --to',
      () => ['--tile', files.modisId, '--from', '2020-09-28', '--to', '2020-09-27'],
      /--from 2020-09-28 is after --to 2020-09-27/,
    ],
    ['no query', () => ['--layer', MODIS], /needs --image FILE or --tile ID/],
    ['a limit out of range', () => ['--tile', files.modisId, '--limit', '0'], /--limit.*1 to 1000/],
  ];
  // independent processes: two at a time keep both cores busy
  describe('refusals', { concurrency: 2 }, () => {
    for (const [what, args, message] of refusals) {
      it(`refuses ${what} with status 2 and a clear message`, async () => {
        const result = await runCli(['search', ...args()], env);
        assert.equal(result.code, 2, `${result.stdout}\n${result.stderr}`);
        assert.match(result.stderr, message);
        assert.doesNotMatch(result.stderr, /\n\s+at /);
        assert.equal(result.stdout, '');
      });
    }
  });

  it('refuses to search an empty store with status 2', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'cli-search-empty-'));
    try {
      const result = await runCli(['search', '--image', files.modis], { GIBS_EMBED_DATA_DIR: empty });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /the vector store is empty.*alias "tiles" does not exist/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('stats: points per layer, date and model, the collections and the alias, lag and DLQ size', async () => {
    const stats = async () => {
      const result = await runCli(['stats', '--json'], env);
      assert.equal(result.code, 0, result.stderr);
      return JSON.parse(result.stdout);
    };
    const first = await stats();
    const count = (pred: (p: VectorPoint) => boolean) => points.filter(pred).length;
    assert.deepEqual(first.alias, { name: SERVING_ALIAS, collection: collectionForModel(model) });
    assert.deepEqual(first.collections, [
      { name: collectionForModel(model), dimension: points[0].vector.length, points: points.length, serving: true },
    ]);
    assert.deepEqual(
      first.byLayer,
      [
        { value: MARBLE, count: count((p) => p.payload.layer === MARBLE) },
        { value: MODIS, count: count((p) => p.payload.layer === MODIS) },
      ].sort((a, b) => b.count - a.count),
    );
    assert.deepEqual(first.byDate, [
      { value: '2016-01-24', count: 2 },
      { value: '2020-09-20', count: count((p) => p.payload.layer === MARBLE) },
      { value: '2020-09-27', count: count((p) => p.payload.date.startsWith('2020-09-27')) },
    ]);
    assert.deepEqual(first.byModel, [{ value: model, count: points.length }]);
    assert.equal(first.embedderLag, null);
    assert.equal(first.dlq, null);

    // a live member of the embedders' group owning every partition, 10 tiles.fetched messages, 3 committed
    const bus = new SqliteBus({
      path: path.join(dataDir, 'bus.db'),
      defaultPartitions: 4,
      retention: { maxAgeMs: Infinity, maxBytes: Infinity },
    });
    await bus.open();
    try {
      await bus.ensureTopics([{ name: 'tiles.fetched' }, { name: 'tiles.dlq' }]);
      await bus.produce(
        'tiles.fetched',
        Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ i }) })),
      );
      await bus.produce(
        'tiles.dlq',
        [1, 2, 3].map((i) => ({ key: `d${i}`, value: '{}' })),
      );
      const member = bus.consumer({ groupId: 'embedders', topics: ['tiles.fetched'], sessionTimeoutMs: 60_000 });
      const owned = await member.assignment();
      assert.equal(owned.length, 4);
      const got = await member.poll({ maxMessages: 3, timeoutMs: 1000 });
      const partition = got[0].partition;
      const inPartition = got.filter((r) => r.partition === partition);
      await member.commit([
        { topic: 'tiles.fetched', partition, offset: String(Number(inPartition.at(-1)?.offset) + 1) },
      ]);

      const owners = () => {
        const db = new Database(path.join(dataDir, 'bus.db'), { readonly: true });
        try {
          return db
            .prepare('SELECT partition, member_id, claimed_at FROM bus_owners WHERE group_id = ? ORDER BY partition')
            .all('embedders');
        } finally {
          db.close();
        }
      };
      const ownersBefore = owners();
      assert.equal(ownersBefore.length, 4);
      const second = await stats();
      assert.equal(second.embedderLag.group, 'embedders');
      assert.equal(second.embedderLag.lag, 10 - inPartition.length);
      assert.equal(second.embedderLag.partitions.length, 4);
      assert.deepEqual(second.dlq, { topic: 'tiles.dlq', messages: 3 });
      // reading the lag neither joined the group nor moved the member's partitions (no claim was renewed)
      assert.deepEqual(owners(), ownersBefore);
      assert.deepEqual(await member.assignment(), owned);
      await member.commit([
        { topic: 'tiles.fetched', partition, offset: String(Number(inPartition.at(-1)?.offset) + 1) },
      ]);
      await member.close();
    } finally {
      await bus.close();
    }

    const table = await runCli(['stats'], env);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`alias ${SERVING_ALIAS} -> ${collectionForModel(model)}`));
    assert.match(table.stdout, /embedder lag \(group embedders on tiles\.fetched\): \d+ messages/);
    assert.match(table.stdout, /dead letters \(tiles\.dlq\): 3/);
  });
});
