import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createRng } from '../../../shared/random/index.js';
import {
  LanceVectorStore,
  type MaintenanceReport,
  type SearchPlan,
} from '../../../shared/store/lancedb/lance-vector-store.js';
import { BruteForce } from '../../support/brute-force-search.js';
import { randomFilter, randomUnitVector, tilePoints } from '../../support/vector-store-data.js';

const START = 200;
const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('LanceVectorStore background maintenance', () => {
  it('builds the index and compacts while searches and upserts go on, and the planner then uses the index', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lance-maint-'));
    dirs.push(dir);
    const reports: Array<MaintenanceReport & { at: number }> = [];
    const plans: SearchPlan[] = [];
    const store = await LanceVectorStore.open({
      path: dir,
      exactBelowSelectivity: 0,
      indexMinRows: 256,
      maintenanceIntervalMs: 1000,
      // every partition probed and every candidate refined: the index path answers exactly, so each search
      // can be compared with brute force while the index appears under it
      minNprobes: 10_000,
      refineFactor: 100,
      onMaintenance: (report) => reports.push({ ...report, at: Date.now() }),
      onPlan: (plan) => plans.push(plan),
    });
    try {
      await store.ensureCollection('c', 16);
      const points = tilePoints(5, 1600, 16);
      const truth = new BruteForce();
      // fewer rows than indexMinRows to start with, so the index is built while the loops below run; many
      // small upserts make many small fragments for the compaction to fold
      for (let i = 0; i < START; i += 20) {
        await store.upsert('c', points.slice(i, i + 20));
        truth.upsert(points.slice(i, i + 20));
      }
      const rng = createRng(6);
      const searchedAt: number[] = [];
      const deadline = Date.now() + 30_000;
      const done = () =>
        (reports.some((r) => r.builtIndex) && reports.some((r) => r.optimized)) || Date.now() > deadline;
      // A writer and a searcher, each on its own: neither waits for the other or for maintenance. Batches land
      // one after another, so a search sees the first k of them for some k between those committed when it
      // started and those begun when it ended.
      const batches: Array<typeof points> = [];
      let committed = 0;
      const writing = (async () => {
        for (let written = START; written < points.length && !done(); written += 20) {
          batches.push(points.slice(written, written + 20));
          await store.upsert('c', batches[batches.length - 1]);
          committed = batches.length;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      const stateAfter = (k: number) => {
        const state = new BruteForce();
        state.upsert(points.slice(0, START));
        for (const batch of batches.slice(0, k)) state.upsert(batch);
        return state;
      };
      while (!done()) {
        const query = randomUnitVector(rng, 16);
        const filter = rng.chance(0.5) ? randomFilter(rng, points.slice(0, START)) : undefined;
        const from = committed;
        const ids = (await store.search('c', { vector: query, limit: 10, filter })).map((h) => h.id).join();
        const states = Array.from({ length: batches.length - from + 1 }, (_, i) => stateAfter(from + i));
        assert.ok(
          states.some(
            (state) =>
              state
                .search(query, 10, filter)
                .map((h) => h.id)
                .join() === ids,
          ),
          `search under ${JSON.stringify(filter)} matches no state between ${from} and ${batches.length} batches`,
        );
        searchedAt.push(Date.now());
      }
      await writing;
      for (const batch of batches) truth.upsert(batch);
      assert.ok(done(), `maintenance did not build and compact within 30 s: ${JSON.stringify(reports)}`);
      const build = reports.find((r) => r.builtIndex)!;
      const during = searchedAt.filter((t) => t >= build.at - build.ms && t <= build.at).length;
      assert.ok(during > 0 || build.ms < 50, `no search completed during the ${build.ms} ms maintenance pass`);
      assert.ok(
        plans.some((p) => p.path === 'exact' && p.reason === 'no-index'),
        'exact before the index',
      );
      const query = randomUnitVector(rng, 16);
      const hits = await store.search('c', { vector: query, limit: 10 });
      assert.equal(plans[plans.length - 1].path, 'ann', 'the index answers once built');
      assert.deepEqual(
        hits.map((h) => h.id),
        truth.search(query, 10).map((h) => h.id),
      );
      assert.equal(await store.count('c'), truth.count());
      // a pass with nothing to do does nothing
      const idle = await store.maintain();
      assert.ok(idle.every((r) => !r.builtIndex));
    } finally {
      await store.close();
    }
  });
});
