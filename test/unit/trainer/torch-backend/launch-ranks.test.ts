import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../../../shared/errors/index.js';
import { smallCnn } from '../../../../shared/model/encoder/index.js';
import { resolveAugmentOptions } from '../../../../services/trainer/augment/index.js';
import type { TrainStepInfo } from '../../../../services/trainer/train/index.js';
import { loadTrainingData } from '../../../../services/trainer/training-data.js';
import {
  freePort,
  launchRanks,
  torchErrorCodes,
  writeTorchJob,
} from '../../../../services/trainer/torch-backend/index.js';
import { kit } from '../../../support/data-kit.js';

/** Processes whose command line names `jobDir` (the ranks of that job), via pgrep: exit 1 = none. */
function ranksAlive(jobDir: string): Promise<number> {
  return new Promise((resolve) => {
    execFile('pgrep', ['-f', jobDir], (error, stdout) => resolve(error ? 0 : stdout.trim().split('\n').length));
  });
}

async function waitGone(jobDir: string): Promise<number> {
  for (let i = 0; i < 50 && (await ranksAlive(jobDir)) > 0; i++) await sleep(100);
  return ranksAlive(jobDir);
}

describe('launchRanks', () => {
  let dir: string;
  let jobDir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'launch-ranks-'));
    jobDir = path.join(dir, 'job');
    const { dataset } = await loadTrainingData({ kind: 'dir', dir: kit('bluemarble/2') }, { inputSize: 16 });
    await writeTorchJob(jobDir, {
      technique: 'simclr',
      arch: smallCnn,
      inputSize: 16,
      steps: 400,
      batchSize: 4,
      lr: 0.01,
      warmupSteps: 2,
      momentum: 0.9,
      weightDecay: 5e-4,
      temperature: 0.1,
      seed: 1,
      augment: resolveAugmentOptions({ outSize: 16, normalization: dataset.stats }),
      device: 'cpu',
      threads: 1,
      resumeStep: 0,
      images: dataset.images,
    });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds a free port', async () => {
    const port = await freePort();
    assert.ok(port > 0 && port < 65536);
  });

  it('streams rank 0 steps as TrainStepInfo, and the signal stops every rank', async () => {
    const controller = new AbortController();
    const steps: TrainStepInfo[] = [];
    const launched = launchRanks(
      { python: '/usr/bin/python3', jobDir, ranks: 2, threads: 1, stepsPerEpoch: 2, batchSize: 4 },
      {
        signal: controller.signal,
        onStep: (s) => {
          steps.push(s);
          if (s.step >= 2) controller.abort();
        },
      },
    );
    await assert.rejects(launched, (e: unknown) => e instanceof AppError && e.code === torchErrorCodes.aborted);
    assert.ok(steps.length >= 3, `steps seen: ${steps.length}`);
    assert.deepEqual(
      steps.slice(0, 3).map((s) => [s.step, s.epoch]),
      [
        [0, 0],
        [1, 0],
        [2, 1],
      ],
    );
    for (const s of steps) {
      assert.ok(Number.isFinite(s.loss) && s.loss > 0, `loss ${s.loss}`);
      assert.ok(s.imagesPerSecond > 0 && s.lr > 0 && Number.isFinite(s.collapseStd));
    }
    assert.equal(await waitGone(jobDir), 0, 'no rank outlives the abort');
    await assert.rejects(access(path.join(jobDir, 'out', 'done.json')));
  });

  it('a crashed rank fails the run with its status, and the other rank is stopped', async () => {
    await assert.rejects(
      launchRanks(
        {
          python: '/usr/bin/python3',
          jobDir,
          ranks: 2,
          threads: 1,
          stepsPerEpoch: 2,
          batchSize: 4,
          env: { GIBS_EMBED_TORCH_CRASH_RANK: '1' },
        },
        {},
      ),
      (e: unknown) =>
        e instanceof AppError && e.code === torchErrorCodes.rankFailed && /rank 1 exited with status 3/.test(e.message),
    );
    assert.equal(await waitGone(jobDir), 0, 'rank 0 does not wait in the all-reduce');
    await assert.rejects(access(path.join(jobDir, 'out', 'done.json')));
  });
});
