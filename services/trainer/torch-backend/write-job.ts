import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { serializeWeights } from '../../../shared/model/checkpoint/index.js';
import { buildEncoderGraph, type EncoderArch, type WeightMap } from '../../../shared/model/encoder/index.js';
import type { ResolvedAugmentOptions } from '../augment/index.js';
import { buildHeads, type Technique } from '../train/index.js';

export type TorchDevice = 'cpu' | 'cuda';

/** Everything a torch run needs, resolved by runTraining exactly as for the tfjs backend. */
export interface TorchJob {
  technique: Technique;
  arch: EncoderArch;
  inputSize: number;
  /** total steps of the schedule (a resumed run continues at resumeStep) */
  steps: number;
  /** global pairs per step, split across the ranks */
  batchSize: number;
  lr: number;
  warmupSteps: number;
  momentum: number;
  weightDecay: number;
  temperature: number;
  seed: number;
  /** resolved augmentation, normalisation included (the views' outSize is the input size) */
  augment: ResolvedAugmentOptions;
  device: TorchDevice;
  /** intra-op threads per rank */
  threads: number;
  /** encoder (+ head/optimizer state when resuming) to start from */
  initWeights?: WeightMap;
  resumeStep: number;
  /** HWC float32 RGB in [0, 1], inputSize² × 3 each: the training images, held-out cells already black */
  images: readonly Float32Array[];
}

export const JOB_FILE = 'job.json';
export const SAMPLE_DIR = 'sample';
export const OUT_DIR = 'out';

/**
 * Writes the job directory the Python package reads (docs: the torch spec, "The job directory"): job.json,
 * the decoded sample as raw NHWC uint8 (images came from 8-bit files, so ×255 and rounding is exact), and
 * the init weights in the checkpoint layout. Python never sees a tile key or a file name.
 */
export async function writeTorchJob(dir: string, job: TorchJob): Promise<void> {
  const side = job.inputSize;
  const pixels = side * side * 3;
  await mkdir(path.join(dir, SAMPLE_DIR), { recursive: true });
  await mkdir(path.join(dir, OUT_DIR), { recursive: true });
  const bytes = new Uint8Array(job.images.length * pixels);
  job.images.forEach((image, i) => {
    if (image.length !== pixels)
      throw new RangeError(`writeTorchJob: image ${i} has ${image.length} values, not ${side}×${side}×3`);
    const base = i * pixels;
    for (let k = 0; k < pixels; k++) bytes[base + k] = Math.round(Math.min(1, Math.max(0, image[k])) * 255);
  });
  await writeFile(path.join(dir, SAMPLE_DIR, 'images.u8'), bytes);
  const sample = {
    count: job.images.length,
    height: side,
    width: side,
    channels: 3,
    dtype: 'uint8',
    layout: 'NHWC',
    file: 'images.u8',
  };
  await writeFile(path.join(dir, SAMPLE_DIR, 'sample.json'), `${JSON.stringify(sample)}\n`);

  let init: { weights: string; manifest: string } | null = null;
  if (job.initWeights) {
    await mkdir(path.join(dir, 'init'), { recursive: true });
    const serialized = serializeWeights(job.arch, job.initWeights);
    await writeFile(path.join(dir, 'init', 'weights.bin'), serialized.bytes);
    await writeFile(path.join(dir, 'init', 'weights.json'), `${JSON.stringify(serialized.manifest)}\n`);
    init = { weights: 'init/weights.bin', manifest: 'init/weights.json' };
  }
  const graph = buildEncoderGraph(job.arch);
  const description = {
    technique: job.technique,
    graph,
    arch: job.arch,
    heads: buildHeads(job.technique, graph.embeddingDim, job.arch.norm),
    input_size: side,
    steps: job.steps,
    batch_size: job.batchSize,
    lr: job.lr,
    warmup_steps: job.warmupSteps,
    momentum: job.momentum,
    weight_decay: job.weightDecay,
    temperature: job.temperature,
    seed: job.seed,
    augment: { ...job.augment, outSize: job.augment.outSize ?? side },
    device: job.device,
    threads: job.threads,
    init,
    resume_step: job.resumeStep,
  };
  await writeFile(path.join(dir, JOB_FILE), `${JSON.stringify(description, null, 1)}\n`);
}
