import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../../../../shared/errors/index.js';
import { saveCheckpoint } from '../../../../../shared/model/checkpoint/index.js';
import { buildEncoderGraph, initWeights, smallCnn } from '../../../../../shared/model/encoder/index.js';
import { compareReports } from '../../../../../shared/model/eval/index.js';
import { runEval } from '../../../../../shared/model/eval/run/index.js';
import { kit, repositoryRoot } from '../../../../support/data-kit.js';

const repoRoot = repositoryRoot();
const dataDir = kit();

async function saveRandomCheckpoint(dir: string, seed: number, inputSize: number): Promise<void> {
  const graph = buildEncoderGraph(smallCnn);
  await saveCheckpoint(dir, {
    weights: initWeights(graph, seed),
    meta: {
      parent: null, technique: 'random', arch: smallCnn, input_size: inputSize,
      normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
      data_window: { from: '2020-09-27', to: '2020-09-27', images: 0 }, metrics: {},
    },
  });
}

describe('runEval (gibs-embed eval)', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'eval-run-'));
    await saveRandomCheckpoint(path.join(tmp, 'candidate'), 5, 32);
    await saveRandomCheckpoint(path.join(tmp, 'current'), 6, 24);
  });
  after(async () => { await rm(tmp, { recursive: true, force: true }); });

  it('evaluates a checkpoint beside random-init and histogram baselines, and gates it against the current one', async () => {
    const result = await runEval({
      checkpointDir: path.join(tmp, 'candidate'), currentDir: path.join(tmp, 'current'),
      labeledDir: path.join(dataDir, 'labeled'), imagesDir: dataDir,
    });
    assert.deepEqual(result.rows.map((r) => r.name), ['checkpoint', 'random-init(seed 1)', 'colour histogram', 'current']);
    for (const { report } of result.rows) {
      assert.ok(report.labeled && report.proxy);
      assert.ok(report.proxy.shifted.recallAt[10] >= 0 && report.proxy.shifted.recallAt[10] <= 1);
    }
    assert.equal(result.rows[0].report.dim, buildEncoderGraph(smallCnn).embeddingDim, 'small CNN embedding');
    assert.equal(result.rows[2].report.dim, 512, 'joint 8-bin histogram');
    // the current checkpoint takes 24 px inputs: same places and crops, so the reports are comparable
    assert.equal(result.rows[3].report.datasetId, result.rows[0].report.datasetId);
    assert.ok(result.decision);
    assert.deepEqual(result.decision, compareReports(result.rows[0].report, result.rows[3].report));
    assert.match(result.table, /metric\s+checkpoint\s+random-init\(seed 1\)\s+colour histogram\s+current\s+chance/);
    assert.match(result.table, /gate: (PROMOTE|keep current)/);
  });

  it('fails clearly on a missing checkpoint or nothing to evaluate on', async () => {
    await assert.rejects(runEval({ checkpointDir: path.join(tmp, 'candidate') }), (e: unknown) => e instanceof AppError && e.code === 'EVAL_EMPTY');
    await assert.rejects(runEval({ checkpointDir: path.join(tmp, 'missing'), imagesDir: dataDir }), (e: unknown) => e instanceof AppError && !e.retriable);
    await assert.rejects(
      runEval({ checkpointDir: path.join(tmp, 'candidate'), labeledDir: path.join(tmp, 'no-such-dir') }),
      (e: unknown) => e instanceof AppError && e.code === 'EVAL_NO_DIR',
    );
  });
});
