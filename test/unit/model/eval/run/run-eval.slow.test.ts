import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../../../shared/errors/index.js';
import { saveCheckpoint } from '../../../../../shared/model/checkpoint/index.js';
import { buildEncoderGraph, initWeights, smallCnn } from '../../../../../shared/model/encoder/index.js';
import type { EvalReport } from '../../../../../shared/model/eval/index.js';
import { gatePrimary, runEval } from '../../../../../shared/model/eval/run/index.js';
import { saveCollapsedCheckpoint } from '../../../../support/collapsed-checkpoint.js';
import { kit, tiles } from '../../../../support/data-kit.js';
import { evalErrorCodes } from '../../../../../shared/model/eval/index.js';

const labeledDir = kit('labeled');
const mosaics = { primary: tiles.modisMosaic, crossSource: kit('gibs/mosaic/bluemarble_small_8192x4096.jpg') };
const normalization = {
  mean: [0.5, 0.5, 0.5] as [number, number, number],
  std: [0.25, 0.25, 0.25] as [number, number, number],
};

/** A checkpoint holding the seeded initial weights: not trained, but its features are not constant. */
async function saveInitCheckpoint(dir: string, seed: number, inputSize: number): Promise<void> {
  await saveCheckpoint(dir, {
    weights: initWeights(buildEncoderGraph(smallCnn), seed),
    meta: {
      parent: null,
      technique: 'random',
      arch: smallCnn,
      input_size: inputSize,
      normalization,
      data_window: { from: '2020-09-27', to: '2020-09-27', images: 0 },
      metrics: {},
    },
  });
}

/** Every number of a report but its wall time. */
const scores = (r: EvalReport) => ({ ...r, seconds: 0 });

describe('runEval (gibs-embed eval) on the ONNX export', () => {
  let tmp: string;
  let good: string, collapsed: string, seedOne: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'eval-run-'));
    [good, collapsed, seedOne] = ['good', 'collapsed', 'seed-one'].map((n) => path.join(tmp, n));
    await saveInitCheckpoint(good, 5, 32);
    // another input size than the candidate: compared on the same places and crops
    await saveCollapsedCheckpoint(collapsed, smallCnn, 24);
    await saveInitCheckpoint(seedOne, 1, 32);
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('promotes a working encoder over a collapsed current one, which scores exactly chance', async () => {
    const result = await runEval({ checkpointDir: good, currentDir: collapsed, labeledDir, mosaics });
    assert.deepEqual(
      result.rows.map((r) => r.name),
      ['checkpoint', 'random-init(seed 1)', 'colour histogram', 'current'],
    );
    const [candidate, , histogram, current] = result.rows.map((r) => r.report);
    assert.equal(candidate.dim, buildEncoderGraph(smallCnn).embeddingDim, 'small CNN embedding');
    assert.equal(histogram.dim, 512, 'joint 8-bin histogram');
    assert.equal(current.datasetId, candidate.datasetId);

    // the collapsed encoder: one vector for every crop, so every metric sits exactly at its chance level
    assert.ok(current.labeled && current.proxy?.crossSource);
    assert.equal(current.collapseStd, 0);
    for (const k of [1, 5, 10]) {
      assert.ok(Math.abs(current.labeled.precisionAt[k] - current.labeled.chance) < 1e-12, `labeled precision@${k}`);
      assert.ok(
        Math.abs(current.proxy.shifted.recallAt[k] - current.proxy.shifted.chance[k]) < 1e-12,
        `shifted recall@${k}`,
      );
      assert.ok(
        Math.abs(current.proxy.crossSource.recallAt[k] - current.proxy.crossSource.chance[k]) < 1e-12,
        `cross-source recall@${k}`,
      );
    }
    // the working one is well above chance on the primary metric, so the decision below is not a coin flip
    assert.ok(candidate.proxy);
    assert.ok(
      candidate.proxy.shifted.recallAt[10] > 2 * candidate.proxy.shifted.chance[10],
      `${candidate.proxy.shifted.recallAt[10]}`,
    );

    assert.ok(result.decision);
    assert.equal(result.decision.promote, true, result.decision.reasons.join('; '));
    assert.match(result.table, /metric\s+checkpoint\s+random-init\(seed 1\)\s+colour histogram\s+current\s+chance/);
    assert.match(result.table, /gate: PROMOTE/);
  });

  it('keeps the current encoder when the candidate has collapsed', async () => {
    const result = await runEval({ checkpointDir: collapsed, currentDir: good, labeledDir, mosaics });
    assert.ok(result.decision);
    assert.equal(result.decision.promote, false);
    assert.ok(
      result.decision.reasons.some((r) => r.startsWith('candidate has collapsed')),
      result.decision.reasons.join('; '),
    );
    assert.ok(
      result.decision.reasons.some((r) => r.startsWith('not better: shifted recall@10')),
      result.decision.reasons.join('; '),
    );
    assert.match(result.table, /gate: keep current/);
    // its random-init baseline has the candidate's architecture and input size, and is not collapsed
    const random = result.rows[1].report;
    assert.equal(random.dim, buildEncoderGraph(smallCnn).embeddingDim);
    assert.ok(random.collapseStd > 0);
  });

  it('builds the random-init baseline as the checkpoint would be with those initial weights', async () => {
    // a checkpoint holding exactly initWeights(seed 1) must score exactly like its random-init(seed 1) row
    const result = await runEval({ checkpointDir: seedOne, labeledDir });
    const [checkpoint, random] = result.rows.map((r) => r.report);
    assert.deepEqual(scores(random), scores(checkpoint));
    const other = await runEval({ checkpointDir: seedOne, labeledDir, randomSeed: 2 });
    assert.equal(other.rows[1].name, 'random-init(seed 2)');
    assert.notDeepEqual(scores(other.rows[1].report), scores(checkpoint));
  });

  it('gates on a metric of the sets it was given', async () => {
    assert.deepEqual(gatePrimary({ mosaics }), { task: 'shifted', k: 10 });
    assert.deepEqual(gatePrimary({ tilesDir: tmp }), { task: 'tiles', k: 10 });
    assert.deepEqual(gatePrimary({}), { task: 'labeled', k: 10 });
    assert.deepEqual(gatePrimary({ mosaics, policy: { primary: { task: 'crossSource', k: 5 } } }), {
      task: 'crossSource',
      k: 5,
    });
    // labeled only: gated on labeled precision, where the collapsed current sits at chance
    const result = await runEval({ checkpointDir: good, currentDir: collapsed, labeledDir });
    assert.ok(result.decision);
    assert.ok(
      result.decision.reasons.some((r) => r.startsWith('labeled precision@10: candidate')),
      result.decision.reasons.join('; '),
    );
    assert.ok(!result.decision.reasons.some((r) => r.includes('has no')), result.decision.reasons.join('; '));
  });

  it('fails clearly on a missing checkpoint or nothing to evaluate on', async () => {
    await assert.rejects(
      runEval({ checkpointDir: good }),
      (e: unknown) => e instanceof AppError && e.code === evalErrorCodes.empty,
    );
    await assert.rejects(
      runEval({ checkpointDir: path.join(tmp, 'missing'), mosaics }),
      (e: unknown) => e instanceof AppError && !e.retriable,
    );
    await assert.rejects(
      runEval({ checkpointDir: good, labeledDir: path.join(tmp, 'no-such-dir') }),
      (e: unknown) => e instanceof AppError && e.code === evalErrorCodes.noDir,
    );
  });
});
