import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { LanceVectorStore, type SearchPlan } from '../../shared/store/lancedb/lance-vector-store.js';
import type { VectorStore } from '../../shared/store/index.js';
import { vectorStoreContract } from './vector-store.contract.js';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lance-contract-'));
  dirs.push(dir);
  return dir;
}

const plans: Record<'exact' | 'index', SearchPlan[]> = { exact: [], index: [] };

// The planner forced to exact search: every filtered and unfiltered search scans the matching rows.
vectorStoreContract(
  'lancedb (exact)',
  async () =>
    LanceVectorStore.open({
      path: await tempDir(),
      exactBelowSelectivity: 1,
      indexMinRows: 256,
      maintenanceIntervalMs: 600_000,
      onPlan: (plan) => plans.exact.push(plan),
    }),
  { settle: (store) => (store as LanceVectorStore).maintain().then(() => undefined) },
);

// The planner forced to the ANN index, built on small collections (256 rows); probes and refinement are set
// so the index answers exactly here: recall at scale is the bench's business, this checks the index path.
vectorStoreContract(
  'lancedb (index)',
  async () =>
    LanceVectorStore.open({
      path: await tempDir(),
      exactBelowSelectivity: 0,
      indexMinRows: 256,
      maintenanceIntervalMs: 600_000,
      minNprobes: 10_000,
      refineFactor: 100,
      onPlan: (plan) => plans.index.push(plan),
    }),
  { settle: (store: VectorStore) => (store as LanceVectorStore).maintain().then(() => undefined) },
);

describe('LanceDB planner in the contract runs', () => {
  it('searched exactly when forced, and through the ANN index when forced', () => {
    assert.ok(plans.exact.length > 50 && plans.exact.every((p) => p.path === 'exact'));
    const viaIndex = plans.index.filter((p) => p.path === 'ann');
    assert.ok(viaIndex.length > 50, `only ${viaIndex.length} searches went through the index`);
    assert.ok(
      plans.exact.some((p) => p.reason === 'selective'),
      'an index existed in the exact run too',
    );
  });
});
