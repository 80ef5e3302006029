import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { AppError, ValidationError } from '../../shared/errors/index.js';
import { createRng } from '../../shared/random/index.js';
import { recommendQuery } from '../../shared/store/filter.js';
import {
  storeErrorCodes,
  type FacetField,
  type Filter,
  type Hit,
  type VectorPoint,
  type VectorStore,
} from '../../shared/store/index.js';
import { tilesErrorCodes } from '../../shared/tiles/index.js';
import { BruteForce, cosineSimilarity, type ExpectedHit } from '../support/brute-force-search.js';
import { randomFilter, randomUnitVector, tilePayload, tilePoints } from '../support/vector-store-data.js';

/**
 * The one behaviour every VectorStore backend must show; every read is compared with exact brute force over
 * the same points (test/support/brute-force-search.ts). LanceDB runs it always; Qdrant whenever QDRANT_URL is
 * set. Collection names are random so runs against a shared server do not collide.
 */
export interface VectorStoreContractOptions {
  /** called after bulk loads, before searching (LanceDB: a maintenance pass, so its index exists) */
  settle?: (store: VectorStore) => Promise<void>;
  /** how far a score may differ from the float64 cosine (a backend scoring in float32 needs ~1e-6) */
  scoreTolerance?: number;
}

const DIM = 16;
const uid = () => randomUUID().slice(0, 8);
const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

async function expectCode(promise: Promise<unknown>, code: string): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AppError, `expected an AppError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

async function expectInvalid(promise: Promise<unknown>, code = 'VALIDATION'): Promise<void> {
  const error = await expectCode(promise, code);
  assert.ok(error instanceof ValidationError, `${error.name} should be a ValidationError`);
  assert.equal(error.retriable, false);
}

/**
 * Hits equal the exact answer: the same ids (a backend may swap ids whose exact scores lie within `tol` of
 * the cut), scores within `tol`, best first, points with equal exact scores ordered by id, payloads as stored.
 */
export function assertHitsMatch(
  actual: Hit[],
  expected: ExpectedHit[],
  truth: BruteForce,
  query: Float32Array,
  tol: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: hit count`);
  if (expected.length === 0) return;
  const cut = expected[expected.length - 1].score;
  const exact = (id: string) => cosineSimilarity(query, truth.points.get(id)!.vector);
  const mustHave = expected.filter((h) => h.score > cut + tol).map((h) => h.id);
  const got = new Set(actual.map((h) => h.id));
  for (const id of mustHave) assert.ok(got.has(id), `${what}: missing ${id} (score ${exact(id)})`);
  actual.forEach((hit, i) => {
    assert.ok(truth.points.has(hit.id), `${what}: unknown id ${hit.id}`);
    assert.ok(
      Math.abs(hit.score - exact(hit.id)) <= tol,
      `${what}: score of ${hit.id} ${hit.score} vs ${exact(hit.id)}`,
    );
    assert.ok(
      Math.abs(hit.score - expected[i].score) <= tol,
      `${what}: rank ${i} score ${hit.score} vs ${expected[i].score}`,
    );
    assert.deepEqual(hit.payload, truth.payload(hit.id), `${what}: payload of ${hit.id}`);
    if (i > 0) {
      const prev = actual[i - 1];
      if (exact(prev.id) === exact(hit.id)) assert.ok(prev.id < hit.id, `${what}: tie ${prev.id} before ${hit.id}`);
    }
  });
}

/** stored vectors come back as Float32Array, equal up to a backend's normalisation rounding */
function assertVectorClose(actual: Float32Array | undefined, expected: Float32Array, what: string): void {
  assert.ok(actual instanceof Float32Array, `${what}: vector is a Float32Array`);
  assert.equal(actual.length, expected.length);
  actual.forEach((v, d) =>
    assert.ok(Math.abs(v - expected[d]) <= 1e-6, `${what}: vector[${d}] ${v} vs ${expected[d]}`),
  );
}

export function vectorStoreContract(
  name: string,
  open: () => Promise<VectorStore>,
  options: VectorStoreContractOptions = {},
): void {
  const tol = options.scoreTolerance ?? 1e-6;
  const settle = options.settle ?? (async () => undefined);

  async function withStore(fn: (store: VectorStore) => Promise<void>): Promise<void> {
    const store = await open();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  async function collection(
    store: VectorStore,
    points: VectorPoint[] = [],
  ): Promise<{ name: string; truth: BruteForce }> {
    const c = `contract_${uid()}`;
    await store.ensureCollection(c, DIM);
    const truth = new BruteForce();
    for (let i = 0; i < points.length; i += 250) {
      await store.upsert(c, points.slice(i, i + 250));
      truth.upsert(points.slice(i, i + 250));
    }
    return { name: c, truth };
  }

  describe(`VectorStore contract: ${name}`, () => {
    it('creates collections idempotently and refuses another dimension', () =>
      withStore(async (store) => {
        const c = `contract_${uid()}`;
        assert.equal(await store.collectionInfo(c), undefined);
        await store.ensureCollection(c, DIM);
        await store.ensureCollection(c, DIM);
        assert.deepEqual(await store.collectionInfo(c), { name: c, dimension: DIM, points: 0 });
        await expectCode(store.ensureCollection(c, DIM + 1), storeErrorCodes.collectionMismatch);
        assert.ok((await store.listCollections()).some((info) => info.name === c && info.dimension === DIM));
        await store.dropCollection(c);
        await store.dropCollection(c);
        assert.equal(await store.collectionInfo(c), undefined);
      }));

    it('round-trips points exactly and stays one row per id under repeated upserts', () =>
      withStore(async (store) => {
        const points = tilePoints(11, 300, DIM);
        const { name: c, truth } = await collection(store, points);
        // repeat overlapping batches, then replace some payloads and vectors: the last write wins
        await store.upsert(c, points.slice(100, 200));
        await store.upsert(c, points.slice(150, 260));
        const rng = createRng(12);
        const changed = points.slice(0, 40).map((p) => ({
          id: p.id,
          vector: randomUnitVector(rng, DIM),
          payload: { ...p.payload, model: 'ckpt-20260801000000-ffffffffffff' },
        }));
        await store.upsert(c, changed);
        await store.upsert(c, changed);
        truth.upsert(changed);
        assert.equal(await store.count(c), 300);
        assert.equal((await store.collectionInfo(c))?.points, 300);
        const ids = [points[0].id, randomUUID(), points[299].id, points[0].id];
        const got = await store.get(c, ids);
        assert.deepEqual(
          got.map((p) => p.id),
          [points[0].id, points[299].id],
        );
        for (const p of got) {
          const want = truth.points.get(p.id)!;
          assert.deepEqual(p.payload, want.payload);
          assert.ok(p.vector instanceof Float32Array);
          assertVectorClose(p.vector, want.vector, p.id);
        }
        const seen: string[] = [];
        let after: string | undefined;
        do {
          const page = await store.scroll(c, { limit: 70, after });
          seen.push(...page.points.map((p) => p.id));
          after = page.next;
        } while (after !== undefined);
        assert.deepEqual(seen, truth.ids());
      }));

    it('searches exactly like brute force, with every kind of filter', () =>
      withStore(async (store) => {
        const points = tilePoints(21, 700, DIM);
        const { name: c, truth } = await collection(store, points);
        await settle(store);
        const rng = createRng(22);
        for (let round = 0; round < 60; round++) {
          const query = rng.chance(0.3)
            ? Float32Array.from(points[rng.int(points.length)].vector)
            : randomUnitVector(rng, DIM);
          const filter = round < 8 ? undefined : randomFilter(rng, points);
          const limit = 1 + rng.int(round % 5 === 0 ? 100 : 20);
          const what = `round ${round} ${JSON.stringify(filter)} limit ${limit}`;
          const hits = await store.search(c, { vector: query, limit, filter });
          assertHitsMatch(hits, truth.search(query, limit, filter), truth, query, tol, what);
        }
      }));

    it('recommends as the average_vector strategy, against brute force', () =>
      withStore(async (store) => {
        const points = tilePoints(31, 400, DIM);
        const { name: c, truth } = await collection(store, points);
        await settle(store);
        const rng = createRng(32);
        for (let round = 0; round < 15; round++) {
          const positive = Array.from({ length: 1 + rng.int(3) }, () => points[rng.int(points.length)].vector);
          const negative = Array.from({ length: rng.int(3) }, () => points[rng.int(points.length)].vector);
          const filter = rng.chance(0.5) ? randomFilter(rng, points) : undefined;
          const hits = await store.recommend(c, { positive, negative, limit: 10, filter });
          const query = recommendQuery(positive, negative);
          assertHitsMatch(
            hits,
            truth.recommend(positive, negative, 10, filter),
            truth,
            query,
            tol,
            `recommend ${round}`,
          );
        }
      }));

    it('orders equal scores by id ascending', () =>
      withStore(async (store) => {
        const rng = createRng(41);
        const shared = randomUnitVector(rng, DIM);
        const points = tilePoints(42, 60, DIM).map((p, i) =>
          i < 25 ? { ...p, vector: Float32Array.from(shared) } : p,
        );
        const { name: c } = await collection(store, points);
        const hits = await store.search(c, { vector: shared, limit: 12 });
        const twins = points
          .slice(0, 25)
          .map((p) => p.id)
          .sort(byId);
        assert.deepEqual(
          hits.map((h) => h.id),
          twins.slice(0, 12),
        );
        assert.ok(hits.every((h) => Math.abs(h.score - 1) <= tol));
      }));

    it('counts, scrolls and facets exactly like brute force under random filters', () =>
      withStore(async (store) => {
        const points = tilePoints(51, 500, DIM);
        const { name: c, truth } = await collection(store, points);
        const rng = createRng(52);
        const fields: FacetField[] = ['layer', 'date', 'model', 'z'];
        for (let round = 0; round < 25; round++) {
          const filter = round === 0 ? undefined : randomFilter(rng, points);
          const what = JSON.stringify(filter);
          assert.equal(await store.count(c, filter), truth.count(filter), `count ${what}`);
          const limit = 1 + rng.int(150);
          const seen: string[] = [];
          let after: string | undefined;
          for (let pages = 0; pages < 1000; pages++) {
            const page = await store.scroll(c, { filter, limit, after, withVectors: pages === 0 });
            const want = truth.scroll(filter, after, limit);
            assert.equal(page.next, want.next, what);
            assert.deepEqual(
              page.points.map((p) => ({ id: p.id, payload: p.payload })),
              want.points,
              what,
            );
            for (const p of page.points) {
              if (pages > 0) assert.equal(p.vector, undefined, 'vectors only when asked for');
              else assertVectorClose(p.vector, truth.points.get(p.id)!.vector, p.id);
            }
            seen.push(...page.points.map((p) => p.id));
            after = page.next;
            if (after === undefined) break;
          }
          assert.deepEqual(seen, truth.ids(filter), `scroll ${what}`);
          const field = fields[round % fields.length];
          assert.deepEqual(await store.facet(c, field, filter), truth.facet(field, filter), `facet ${field} ${what}`);
        }
      }));

    it('deletes by id; missing ids are not an error', () =>
      withStore(async (store) => {
        const points = tilePoints(61, 120, DIM);
        const { name: c, truth } = await collection(store, points);
        const gone = points.slice(10, 50).map((p) => p.id);
        await store.delete(c, [...gone, randomUUID()]);
        await store.delete(c, gone);
        truth.delete(gone);
        assert.equal(await store.count(c), 80);
        assert.deepEqual(await store.get(c, gone), []);
        const query = points[20].vector;
        assertHitsMatch(
          await store.search(c, { vector: query, limit: 20 }),
          truth.search(query, 20),
          truth,
          query,
          tol,
          'after delete',
        );
      }));

    it('keeps layer names with quotes, backslashes and SQL as plain data', () =>
      withStore(async (store) => {
        const rng = createRng(71);
        const layers = [
          "O'Brien",
          "x' OR '1'='1",
          'back\\slash\\',
          'semi;colon -- comment',
          'ünïcødé "quoted"',
          "');DROP TABLE t;--",
        ];
        const points = tilePoints(72, layers.length * 3, DIM).map((p, i) => ({
          ...p,
          payload: { ...p.payload, layer: layers[i % layers.length] },
        }));
        const { name: c, truth } = await collection(store, points);
        for (const layer of layers) {
          const filter: Filter = { layer: [layer] };
          assert.equal(await store.count(c, filter), 3, layer);
          const query = randomUnitVector(rng, DIM);
          const hits = await store.search(c, { vector: query, limit: 10, filter });
          assert.ok(hits.every((h) => h.payload.layer === layer));
          assertHitsMatch(hits, truth.search(query, 10, filter), truth, query, tol, layer);
        }
        assert.equal(await store.count(c, { layer: ["O'Brien' OR 'a'='a"] }), 0);
        assert.deepEqual(await store.facet(c, 'layer'), truth.facet('layer'));
      }));

    it('aliases: switch atomically, resolve everywhere, refuse dropping an aliased collection', () =>
      withStore(async (store) => {
        const a = await collection(store, tilePoints(81, 30, DIM));
        const b = await collection(store, tilePoints(82, 50, DIM));
        const alias = `alias_${uid()}`;
        assert.equal(await store.getAlias(alias), undefined);
        await expectCode(store.setAlias(alias, `missing_${uid()}`), storeErrorCodes.unknownCollection);
        await store.setAlias(alias, a.name);
        assert.equal(await store.getAlias(alias), a.name);
        assert.equal(await store.count(alias), 30);
        assert.equal((await store.collectionInfo(alias))?.name, a.name);
        const query = tilePoints(82, 1, DIM)[0].vector;
        await expectCode(store.dropCollection(a.name), storeErrorCodes.aliasInUse);
        // readers racing the switches see the old or the new collection, never neither
        let switching = true;
        const reader = (async () => {
          const counts = new Set<number>();
          while (switching) counts.add(await store.count(alias));
          return counts;
        })();
        for (let i = 0; i < 10; i++) await store.setAlias(alias, i % 2 === 0 ? b.name : a.name);
        await store.setAlias(alias, b.name);
        switching = false;
        for (const n of await reader) assert.ok(n === 30 || n === 50, `alias read saw ${n} points`);
        assert.equal(await store.getAlias(alias), b.name);
        const hits = await store.search(alias, { vector: query, limit: 5 });
        assertHitsMatch(hits, b.truth.search(query, 5), b.truth, query, tol, 'through alias');
        await store.upsert(alias, tilePoints(83, 5, DIM));
        assert.equal(await store.count(b.name), 55);
        await store.dropCollection(a.name);
        assert.equal(await store.collectionInfo(a.name), undefined);
        await expectCode(store.dropCollection(b.name), storeErrorCodes.aliasInUse);
        assert.equal(await store.count(b.name), 55);
      }));

    it('answers STORE_UNKNOWN_COLLECTION for every call on a missing collection', () =>
      withStore(async (store) => {
        const c = `missing_${uid()}`;
        const point = tilePoints(91, 1, DIM)[0];
        // one call at a time: a rejection must never wait unobserved while an earlier one is awaited
        const calls: Array<() => Promise<unknown>> = [
          () => store.upsert(c, [point]),
          () => store.delete(c, [point.id]),
          () => store.get(c, [point.id]),
          () => store.search(c, { vector: point.vector, limit: 1 }),
          () => store.recommend(c, { positive: [point.vector], limit: 1 }),
          () => store.count(c),
          () => store.scroll(c, { limit: 1 }),
          () => store.facet(c, 'layer'),
        ];
        for (const call of calls) {
          const error = await expectCode(call(), storeErrorCodes.unknownCollection);
          assert.equal(error.retriable, false);
        }
      }));

    it('refuses every bad argument with a ValidationError and writes nothing', () =>
      withStore(async (store) => {
        const points = tilePoints(101, 20, DIM);
        const { name: c } = await collection(store, points);
        const fresh = tilePoints(102, 5, DIM);
        const good = fresh[0];
        const bad = (over: Partial<VectorPoint> | { payload: unknown }) => [
          ...fresh.slice(1),
          { ...good, ...over } as VectorPoint,
        ];
        const v = good.vector;
        await expectInvalid(store.upsert(c, bad({ vector: v.slice(1) })));
        await expectInvalid(
          store.upsert(c, bad({ vector: Float32Array.from(v, (x, i) => (i === 3 ? Number.NaN : x)) })),
        );
        await expectInvalid(store.upsert(c, bad({ vector: Float32Array.from(v, (x, i) => (i === 0 ? Infinity : x)) })));
        await expectInvalid(store.upsert(c, bad({ vector: new Float32Array(DIM) })));
        await expectInvalid(store.upsert(c, bad({ vector: Array.from(v) as unknown as Float32Array })));
        await expectInvalid(store.upsert(c, bad({ id: 'tile-1' })));
        await expectInvalid(store.upsert(c, bad({ id: good.id.toUpperCase() })));
        await expectInvalid(store.upsert(c, [...fresh, fresh[2]]));
        await expectInvalid(store.upsert(c, bad({ payload: { ...good.payload, sha256: 'nope' } })));
        await expectInvalid(store.upsert(c, bad({ payload: { ...good.payload, date: '2026-06-01' } })));
        await expectInvalid(store.upsert(c, bad({ payload: { ...good.payload, extra: 1 } })));
        await expectInvalid(store.upsert(c, bad({ payload: { ...good.payload, bbox: [170, 0, -170, 10] } })));
        await expectInvalid(store.upsert(c, bad({ payload: { ...good.payload, bbox: [0, 0, 200, 10] } })));
        await expectInvalid(store.upsert(c, bad({ payload: { ...good.payload, center: { lon: 0, lat: 91 } } })));
        await expectInvalid(store.upsert(c, bad({ payload: tilePayload(createRng(1), { z: -1 }) })));
        assert.equal(await store.count(c), 20, 'no bad batch wrote anything');
        assert.deepEqual(
          await store.get(
            c,
            fresh.map((p) => p.id),
          ),
          [],
        );

        const q = points[0].vector;
        for (const limit of [0, 1001, 1.5, Number.NaN]) await expectInvalid(store.search(c, { vector: q, limit }));
        await expectInvalid(store.search(c, { vector: q.slice(2), limit: 5 }));
        await expectInvalid(store.search(c, { vector: new Float32Array(DIM), limit: 5 }));
        await expectInvalid(store.search(c, { vector: q, limit: 5, filter: { layer: [] } }));
        await expectInvalid(store.search(c, { vector: q, limit: 5, filter: { colour: ['red'] } as unknown as Filter }));
        await expectInvalid(
          store.search(c, { vector: q, limit: 5, filter: { bbox: [0, 10, 5, 0] } }),
          tilesErrorCodes.badBbox,
        );
        await expectInvalid(store.count(c, { near: { lon: 0, lat: 0, radiusKm: -1 } }));
        await expectInvalid(store.count(c, { date: { gte: '2026-02-30' } }));
        await expectInvalid(store.recommend(c, { positive: [], limit: 5 }));
        await expectInvalid(store.recommend(c, { positive: [q], negative: [q.slice(1)], limit: 5 }));
        await expectInvalid(store.recommend(c, { positive: [q.slice(1)], limit: 5 }));
        await expectInvalid(store.recommend(c, { positive: [q, q.map((x) => -x)], limit: 5 }));
        for (const limit of [0, 10_001]) await expectInvalid(store.scroll(c, { limit }));
        await expectInvalid(store.scroll(c, { limit: 5, after: "x' OR 1=1" }));
        await expectInvalid(store.facet(c, 'sha256' as FacetField));
        await expectInvalid(store.get(c, ['not-a-uuid']));
        await expectInvalid(store.delete(c, ['not-a-uuid', points[0].id]));
        for (const name of ['', 'a b', '../etc', 'x'.repeat(200), 'bad/name', "q'uote"]) {
          await expectInvalid(store.ensureCollection(name, DIM));
          await expectInvalid(store.count(name));
          await expectInvalid(store.setAlias(name, c));
        }
        for (const dimension of [0, -1, 1.5, Number.NaN])
          await expectInvalid(store.ensureCollection(`contract_${uid()}`, dimension));
        assert.equal(await store.count(c), 20);
      }));

    it('refuses calls after close with STORE_CLOSED', async () => {
      const store = await open();
      const { name: c } = await collection(store);
      await store.close();
      await store.close();
      await expectCode(store.count(c), storeErrorCodes.closed);
      await expectCode(store.upsert(c, tilePoints(111, 1, DIM)), storeErrorCodes.closed);
    });
  });
}
