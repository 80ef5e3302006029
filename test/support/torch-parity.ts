/**
 * Parity between the tfjs trainer and the PyTorch backend (services/trainer/torch): job directories the
 * Python package reads, its weight files, real tile batches, and the tfjs side of "N SGD steps on a fixed
 * batch" through the trainer's own seam (the local gradient executor + createOptimizer + the moving
 * statistics write-back, exactly what trainEncoder does per step with one worker).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { mulberry32 } from '../../shared/random/index.js';
import { deserializeWeights, serializeWeights } from '../../shared/model/checkpoint/index.js';
import type { EncoderArch, ParamSpec, WeightMap } from '../../shared/model/encoder/index.js';
import type { ChannelStats } from '../../shared/model/image/index.js';
import { preprocessImage } from '../../shared/model/infer/index.js';
import {
  createLocalExecutor,
  createOptimizer,
  flattenWeights,
  writeStats,
  type ModelConfig,
  type OptimizerConfig,
  type TrainingModel,
} from '../../services/trainer/train/index.js';
import { repoRoot } from './model-fixtures.js';

const run = promisify(execFile);

/** Debian's python3-torch (the pyenv python3 on PATH has no torch). */
export const torchPython = '/usr/bin/python3';
const packageDir = path.join(repoRoot, 'services/trainer/torch');

/** Why the torch backend cannot run here, or undefined when it can. */
export async function torchUnavailable(): Promise<string | undefined> {
  if (!existsSync(torchPython)) return `${torchPython} not found`;
  if (!existsSync(path.join(packageDir, 'gibs_embed_torch'))) return 'services/trainer/torch/gibs_embed_torch missing';
  try {
    await run(torchPython, ['-c', 'import torch, numpy'], { timeout: 60_000 });
    return undefined;
  } catch (error) {
    return `${torchPython} cannot import torch/numpy: ${(error as Error).message}`;
  }
}

/** `python3 -m gibs_embed_torch <command> --job DIR`; rejects with its stderr when it exits non-zero. */
export async function runTorch(command: string, jobDir: string): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(torchPython, ['-m', 'gibs_embed_torch', command, '--job', jobDir], {
      cwd: repoRoot,
      env: { PYTHONPATH: packageDir, PATH: '/usr/bin:/bin', OMP_NUM_THREADS: '1' },
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as Error & { stderr?: string; stdout?: string; code?: unknown };
    throw new TorchRunError(
      `gibs_embed_torch ${command} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
      typeof e.code === 'number' ? e.code : undefined,
      error,
    );
  }
}

/** A gibs_embed_torch run that failed: its exit code (2: bad input) and stdout/stderr in the message. */
export class TorchRunError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | undefined,
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = 'TorchRunError';
  }
}

/** weights.bin + weights.json (the manifest: CheckpointMeta.weights) under `dir`, in checkpoint order. */
export async function writeWeightFiles(
  dir: string,
  arch: EncoderArch,
  weights: WeightMap,
): Promise<{ weights: string; manifest: string }> {
  await mkdir(dir, { recursive: true });
  const { bytes, manifest } = serializeWeights(arch, weights);
  await writeFile(path.join(dir, 'weights.bin'), bytes);
  await writeFile(path.join(dir, 'weights.json'), JSON.stringify(manifest));
  return { weights: path.join(dir, 'weights.bin'), manifest: path.join(dir, 'weights.json') };
}

export async function readWeightFiles(dir: string): Promise<WeightMap> {
  const manifest = JSON.parse(await readFile(path.join(dir, 'weights.json'), 'utf8')) as Parameters<
    typeof deserializeWeights
  >[1];
  return deserializeWeights(new Uint8Array(await readFile(path.join(dir, 'weights.bin'))), manifest);
}

/** job.json for `python3 -m gibs_embed_torch <command> --job dir`. */
export async function writeJob(dir: string, job: Record<string, unknown>): Promise<void> {
  await writeFile(path.join(dir, 'job.json'), JSON.stringify(job));
}

export async function writeFloats(file: string, data: Float32Array): Promise<void> {
  await writeFile(file, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

export async function readFloats(file: string): Promise<Float32Array> {
  const bytes = await readFile(file);
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Real images preprocessed exactly as the embedder does (decode, centre crop, normalise), back to back NHWC. */
export async function tileBatch(files: string[], size: number, stats: ChannelStats): Promise<Float32Array> {
  const per = size * size * 3;
  const out = new Float32Array(files.length * per);
  const tensors = await Promise.all(
    files.map(async (f) => preprocessImage(new Uint8Array(await readFile(f)), size, stats)),
  );
  tensors.forEach((t, i) => out.set(t, i * per));
  return out;
}

/** The mirror image of every NHWC image: a second view that differs from the first but is not random. */
export function flipHorizontal(nhwc: Float32Array, n: number, size: number): Float32Array {
  const out = new Float32Array(nhwc.length);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const from = ((i * size + y) * size + x) * 3;
        const to = ((i * size + y) * size + (size - 1 - x)) * 3;
        out[to] = nhwc[from];
        out[to + 1] = nhwc[from + 1];
        out[to + 2] = nhwc[from + 2];
      }
  return out;
}

/**
 * Moves batch-norm parameters and statistics away from (γ=1, β=0, mean=0, var=1) in place, as a trained
 * checkpoint has them, so the moving-statistics convention and γ/β gradients are really compared.
 */
export function perturbBatchNorm(weights: WeightMap, specs: readonly ParamSpec[], seed: number): WeightMap {
  const rand = mulberry32(seed);
  for (const spec of specs) {
    const data = weights[spec.name].data;
    const leaf = spec.name.slice(spec.name.lastIndexOf('/') + 1);
    for (let i = 0; i < data.length; i++) {
      if (leaf === 'gamma') data[i] = 0.5 + rand();
      else if (leaf === 'moving_variance') data[i] = 0.2 + 2 * rand();
      else if (leaf === 'beta' || leaf === 'moving_mean') data[i] = (rand() * 2 - 1) * 0.3;
    }
  }
  return weights;
}

export interface SgdTrace {
  /** the flat parameters (layout order) before step 1 and after every step */
  params: Float32Array[];
  /** the optimiser's slots (`optimizer/…`) before step 1 (empty) and after every step */
  slots: WeightMap[];
  losses: number[];
}

/**
 * `lrs.length` SGD steps of the tfjs trainer on one fixed batch (views a, b: n × size × size × 3 each) on the
 * wasm backend: gradients from the local executor (training-mode batch norm), the update from createOptimizer,
 * the moving statistics written back, as trainEncoder's loop does.
 */
export async function tfjsSgdSteps(
  config: ModelConfig,
  model: TrainingModel,
  start: Float32Array,
  views: { a: Float32Array; b: Float32Array; n: number; size: number },
  lrs: number[],
  optimizerConfig: OptimizerConfig,
): Promise<SgdTrace> {
  const params = start.slice();
  const optimizer = createOptimizer(model.layout, optimizerConfig);
  const executor = await createLocalExecutor(config, 'wasm', params);
  const trace: SgdTrace = { params: [params.slice()], slots: [{}], losses: [] };
  try {
    for (const lr of lrs) {
      const [result] = await executor.step(params, [{ a: views.a, b: views.b, n: views.n }], views.size);
      optimizer.step(params, result.grads, lr);
      writeStats(model.layout, params, result.stats);
      trace.params.push(params.slice());
      trace.slots.push(optimizer.state());
      trace.losses.push(result.loss);
    }
  } finally {
    await executor.close();
  }
  return trace;
}

export interface TorchSgdJob {
  model: TrainingModel;
  config: ModelConfig;
  /** encoder + head weights (moving statistics included), optionally `optimizer/…` slots to resume from */
  init: WeightMap;
  /** views a then views b, NHWC */
  views: Float32Array;
  pairs: number;
  size: number;
  lrs: number[];
  optimizer: { momentum: number; weightDecay: number };
}

/** `sgd-steps` in a fresh job directory under `dir`: flat parameters (layout order) after every step, losses. */
export async function torchSgdSteps(
  dir: string,
  job: TorchSgdJob,
): Promise<{ params: Float32Array[]; losses: number[] }> {
  const { model, config } = job;
  await writeWeightFiles(path.join(dir, 'init'), config.arch, job.init);
  await writeFloats(path.join(dir, 'views.f32'), job.views);
  await writeJob(dir, {
    technique: config.technique,
    graph: model.graph,
    arch: config.arch,
    heads: model.heads,
    temperature: config.temperature ?? 0.1,
    momentum: job.optimizer.momentum,
    weight_decay: job.optimizer.weightDecay,
    threads: 1,
    init: { weights: 'init/weights.bin', manifest: 'init/weights.json' },
    views: { file: 'views.f32', pairs: job.pairs, size: job.size, layout: 'NHWC' },
    lrs: job.lrs,
  });
  await runTorch('sgd-steps', dir);
  const params: Float32Array[] = [];
  for (let k = 1; k <= job.lrs.length; k++)
    params.push(flattenWeights(model.layout, await readWeightFiles(path.join(dir, `out/step-${k}`))));
  const losses = (await readFile(path.join(dir, 'out/steps.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { loss: number }).loss);
  return { params, losses };
}
