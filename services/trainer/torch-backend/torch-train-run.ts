import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { AppError } from '../../../shared/errors/index.js';
import {
  deserializeWeights,
  encoderWeights,
  weightMapProblems,
  type CheckpointMeta,
} from '../../../shared/model/checkpoint/index.js';
import type { WeightMap } from '../../../shared/model/encoder/index.js';
import type { TrainResult, TrainStepInfo } from '../train/index.js';
import { checkTorch, type TorchInfo } from './check-torch.js';
import { launchRanks } from './launch-ranks.js';
import { DEFAULT_TORCH_PYTHON } from './torch-paths.js';
import { torchErrorCodes } from './torch-errors.js';
import { OUT_DIR, writeTorchJob, type TorchJob } from './write-job.js';

export interface TorchRunOptions {
  /** processes: CPU ranks, or one per GPU with cuda */
  workers: number;
  /** default /usr/bin/python3 (Debian's python3-torch) */
  python?: string;
  /** steps per pass over the sample, to report epochs as the tfjs trainer does */
  stepsPerEpoch: number;
  /** what checkTorch reported for `python`, when the caller checked already */
  torch?: TorchInfo;
  /** extra environment for the ranks (tests) */
  env?: Record<string, string>;
}

interface DoneFile {
  steps: number;
  images: number;
  seconds: number;
  pairs_per_second: number;
}

const badOutput = (message: string, cause?: unknown) =>
  new AppError(torchErrorCodes.badOutput, message, { retriable: false, cause });

async function readJson<T>(file: string): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (cause) {
    throw badOutput(`the torch run left no readable ${path.basename(file)} in ${path.dirname(file)}`, cause);
  }
}

/**
 * Trains with PyTorch in child processes (one per rank) and returns what trainEncoder returns, so that
 * runTraining writes the checkpoint (metadata, digests, ONNX) the same way for both backends. Only a run
 * that finished (out/done.json written last by rank 0) returns; a failed or stopped one rejects and leaves
 * nothing behind. `job` minus `threads` is filled by runTraining.
 */
export async function trainWithTorch(
  job: Omit<TorchJob, 'threads'>,
  options: TorchRunOptions,
  hooks: { onStep?: (s: TrainStepInfo) => void; signal?: AbortSignal },
): Promise<TrainResult> {
  const python = options.python ?? DEFAULT_TORCH_PYTHON;
  const info = options.torch ?? (await checkTorch(python));
  if (job.device === 'cuda' && !info.cuda)
    throw new AppError(
      torchErrorCodes.cudaUnavailable,
      `--device cuda: torch ${info.torch} under ${python} sees no CUDA device; use --device cpu`,
      { retriable: false },
    );
  // CPU ranks share the cores; a GPU rank needs few CPU threads of its own
  const threads = Math.max(1, Math.floor(availableParallelism() / options.workers));
  const jobDir = await mkdtemp(path.join(tmpdir(), 'gibs-embed-torch-'));
  try {
    await writeTorchJob(jobDir, { ...job, threads });
    await launchRanks(
      {
        python,
        jobDir,
        ranks: options.workers,
        threads,
        stepsPerEpoch: options.stepsPerEpoch,
        batchSize: job.batchSize,
        env: options.env,
      },
      hooks,
    );
    const out = path.join(jobDir, OUT_DIR);
    const done = await readJson<DoneFile>(path.join(out, 'done.json'));
    const manifest = await readJson<CheckpointMeta['weights']>(path.join(out, 'weights.json'));
    let all: WeightMap;
    try {
      all = deserializeWeights(await readFile(path.join(out, 'weights.bin')), manifest);
    } catch (cause) {
      throw badOutput(`the torch run's weights.bin does not match its weights.json`, cause);
    }
    const problems = weightMapProblems(job.arch, all, { checkFinite: true });
    if (problems.length > 0)
      throw badOutput(`the torch run's weights do not fit ${job.arch.kind}: ${problems.slice(0, 5).join('; ')}`);
    const weights = encoderWeights(job.arch, all);
    const state: WeightMap = Object.fromEntries(Object.entries(all).filter(([name]) => !(name in weights)));
    const history = await readHistory(path.join(out, 'train-log.jsonl'));
    return {
      weights,
      state,
      history,
      imagesPerSecond: done.pairs_per_second,
      nextStep: job.steps,
      aborted: false,
      backend: 'torch',
    };
  } finally {
    await rm(jobDir, { recursive: true, force: true });
  }
}

async function readHistory(file: string): Promise<TrainResult['history']> {
  const text = await readFile(file, 'utf8').catch((cause: unknown) => {
    throw badOutput(`the torch run left no train-log.jsonl`, cause);
  });
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      let entry: { step: number; loss: number; collapse_std?: number; collapseStd?: number };
      try {
        entry = JSON.parse(line) as { step: number; loss: number; collapse_std?: number; collapseStd?: number };
      } catch (cause) {
        throw badOutput(`the torch run's train-log.jsonl holds a line that is not JSON: ${line.slice(0, 80)}`, cause);
      }
      return { step: entry.step, loss: entry.loss, collapseStd: entry.collapse_std ?? entry.collapseStd ?? Number.NaN };
    });
}
