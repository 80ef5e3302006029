import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { smallCnn } from '../../../../shared/model/encoder/index.js';
import { resolveAugmentOptions } from '../../../../services/trainer/augment/index.js';
import { loadTrainingData } from '../../../../services/trainer/training-data.js';
import { torchPackageRoot, writeTorchJob, type TorchJob } from '../../../../services/trainer/torch-backend/index.js';
import { randomWeights } from '../../../support/checkpoint-fixtures.js';
import { kit } from '../../../support/data-kit.js';

const run = promisify(execFile);

/** Python's own readers of the job directory (T1's package): what the ranks will see. */
const READ_BACK = `
import json, sys
from gibs_embed_torch.job import load_train_job
from gibs_embed_torch.data import load_sample
from gibs_embed_torch.weights_io import read_weights
job = load_train_job(sys.argv[1])
images = load_sample(sys.argv[1])
init = read_weights(job["init"]["weights"], job["init"]["manifest"]) if job["init"] else {}
name = "stem/conv/kernel" if "stem/conv/kernel" in init else sorted(init)[0]
print(json.dumps({"shape": list(images.shape), "sum": int(images.long().sum()), "first": images[0, 0, 0].tolist(),
  "steps": job["steps"], "batch": job["batch_size"], "warmup": job["warmup_steps"], "resume": job["resume_step"],
  "names": len(init), "name": name, "value": float(init[name].flatten()[3]), "wshape": list(init[name].shape),
  "mean": job["augment"]["normalization"]["mean"], "out": job["augment"]["outSize"], "heads": job["heads"]["technique"]}))
`;

describe('writeTorchJob', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'torch-job-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a job directory that the Python package reads back exactly', async () => {
    const { dataset } = await loadTrainingData({ kind: 'dir', dir: kit('bluemarble/1') }, { inputSize: 24 });
    assert.ok(dataset.size >= 2, `kit tiles: ${dataset.size}`);
    const init = randomWeights(smallCnn, 5);
    const job: TorchJob = {
      technique: 'simsiam',
      arch: smallCnn,
      inputSize: 24,
      steps: 12,
      batchSize: 4,
      lr: 0.01,
      warmupSteps: 1,
      momentum: 0.9,
      weightDecay: 5e-4,
      temperature: 0.1,
      seed: 3,
      augment: resolveAugmentOptions({ outSize: 24, normalization: dataset.stats }),
      device: 'cpu',
      threads: 1,
      initWeights: init,
      resumeStep: 2,
      images: dataset.images,
    };
    const jobDir = path.join(dir, 'job');
    await writeTorchJob(jobDir, job);

    const bytes = await readFile(path.join(jobDir, 'sample', 'images.u8'));
    assert.equal(bytes.length, dataset.size * 24 * 24 * 3);
    // 8-bit sources: ×255 and rounding gives the decoded bytes back exactly
    const second = 24 * 24 * 3;
    for (let k = 0; k < second; k += 7) {
      assert.ok(Math.abs(bytes[k] / 255 - dataset.images[0][k]) < 1e-6, `image 0 value ${k}`);
      assert.ok(Math.abs(bytes[second + k] / 255 - dataset.images[1][k]) < 1e-6, `image 1 value ${k}`);
    }

    const { stdout } = await run('/usr/bin/python3', ['-c', READ_BACK, jobDir], {
      env: { ...process.env, PYTHONPATH: torchPackageRoot() },
    });
    const back = JSON.parse(stdout) as Record<string, unknown>;
    const sum = bytes.reduce((a, b) => a + b, 0);
    assert.ok(sum > 0, 'the sample is not all black');
    assert.deepEqual(back.shape, [dataset.size, 24, 24, 3]);
    assert.equal(back.sum, sum);
    assert.deepEqual(back.first, [bytes[0], bytes[1], bytes[2]]);
    assert.deepEqual([back.steps, back.batch, back.warmup, back.resume], [12, 4, 1, 2]);
    assert.equal(back.names, Object.keys(init).length);
    const name = back.name as string;
    assert.deepEqual(back.wshape, init[name].shape);
    assert.equal(back.value, init[name].data[3]);
    assert.deepEqual(back.mean, dataset.stats.mean);
    assert.equal(back.out, 24);
    assert.equal(back.heads, 'simsiam');
  });

  it('refuses an image of the wrong size', async () => {
    await assert.rejects(
      writeTorchJob(path.join(dir, 'bad'), {
        technique: 'simclr',
        arch: smallCnn,
        inputSize: 8,
        steps: 1,
        batchSize: 2,
        lr: 0.01,
        warmupSteps: 0,
        momentum: 0.9,
        weightDecay: 5e-4,
        temperature: 0.1,
        seed: 0,
        augment: resolveAugmentOptions({ outSize: 8 }),
        device: 'cpu',
        threads: 1,
        resumeStep: 0,
        images: [new Float32Array(8 * 8 * 3), new Float32Array(10)],
      }),
      /image 1 has 10 values/,
    );
  });
});
