/** The store benchmark's queries while a writer ingests. */
import type { LanceVectorStore, SearchPlan } from '../../../shared/store/lancedb/lance-vector-store.js';
import type { BenchResult } from '../bench-result.js';
import { CASES, COLLECTION, K, TARGET, type CaseName, type Query } from './cases.js';
import { pointsOf, type Dataset } from './dataset.js';
import { bruteForce, mean, mergeTruth, percentile, recallAt, type Truth } from './ground-truth.js';

/**
 * Queries of every case while one writer upserts the last `tail` points in batches of `liveBatch`, as fast as
 * it can, then re-upserts them (same content) until the queries are done. Upserts are atomic, so a query that
 * overlaps at most one commit saw one of two snapshots: its recall is taken against the better of the two
 * exact answers; queries spanning more commits are timed but not scored.
 */
export async function whileIngesting(
  store: LanceVectorStore,
  plans: SearchPlan[],
  ds: Dataset,
  queries: Map<CaseName, Query[]>,
  o: { baseN: number; tail: number; liveBatch: number; common: Record<string, string | number> },
): Promise<BenchResult[]> {
  let committed = 0;
  let stop = false;
  const batches = o.tail / o.liveBatch;
  const t0 = performance.now();
  const writer = (async () => {
    for (let b = 0; !stop; b++) {
      const from = o.baseN + (b % batches) * o.liveBatch;
      await store.upsert(COLLECTION, pointsOf(ds, from, from + o.liveBatch));
      committed++;
    }
  })();
  const records: Array<{ name: CaseName; q: Query; ms: number; c0: number; c1: number; ids: string[] }> = [];
  try {
    plans.length = 0;
    for (const name of CASES) {
      for (const q of queries.get(name)!) {
        const c0 = committed;
        const start = performance.now();
        const hits = await store.search(COLLECTION, { vector: q.vector, limit: K, filter: q.filter.filter });
        records.push({ name, q, ms: performance.now() - start, c0, c1: committed, ids: hits.map((h) => h.id) });
      }
    }
  } finally {
    stop = true;
    await writer;
  }
  const seconds = (performance.now() - t0) / 1000;
  const ingested = (b: number): number => Math.min(b, batches) * o.liveBatch;
  const results: BenchResult[] = [
    {
      suite: 'store',
      name: `ingest while querying (upsert batch ${o.liveBatch}, fsynced)`,
      value: (committed * o.liveBatch) / seconds,
      unit: 'points/s',
      params: { ...o.common, commits: committed, seconds: Number(seconds.toFixed(1)) },
    },
  ];
  for (const name of CASES) {
    const mine = records.filter((r) => r.name === name);
    const scored = mine.filter((r) => r.c1 - r.c0 <= 1);
    const recalls = scored.map((r) => {
      const snapshot = (b: number): Truth =>
        mergeTruth(r.q.truth, bruteForce(ds, r.q.vector, r.q.filter, o.baseN, o.baseN + ingested(b), K), K);
      return Math.max(recallAt(r.ids, snapshot(r.c0)), recallAt(r.ids, snapshot(r.c0 + 1)));
    });
    const latencies = mine.map((r) => r.ms);
    const p99 = percentile(latencies, 0.99);
    const recall = mean(recalls);
    const met = recall >= TARGET.recall && p99 <= TARGET.p99Ms;
    const params = { ...o.common, queries: mine.length, scored: scored.length };
    results.push({
      suite: 'store',
      name: `top-${K} p50 ${name}, while ingesting`,
      value: percentile(latencies, 0.5),
      unit: 'ms',
      params,
    });
    results.push({
      suite: 'store',
      name: `top-${K} p99 ${name}, while ingesting`,
      value: p99,
      unit: 'ms',
      params: { ...params, target: TARGET.p99Ms, met },
    });
    results.push({
      suite: 'store',
      name: `recall@${K} ${name}, while ingesting`,
      value: recall,
      unit: 'recall',
      params: { ...params, target: TARGET.recall, met },
    });
  }
  return results;
}
