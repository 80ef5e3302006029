/**
 * Retrieval quality per trainer backend (issue 10): the same model (half-width ResNet-18, 64 px, SimCLR,
 * seed 0) on the same real tiles (bluemarble z4, as train.bench.ts trains on), trained through
 * runTraining — the `gibs-embed train` code path — once with tfjs (wasm, 2 worker threads) and once with
 * torch (2 CPU processes), then evaluated by runEval (the `eval` command's code path) on the kit's labelled
 * set beside its random-init and colour-histogram baselines.
 *
 * Equal time: each backend gets the same wall-clock budget, counted from the runTraining call (decode,
 * start-up, steps, checkpoint). A torch run stopped by its AbortSignal writes no checkpoint, so neither run
 * is open-ended: a short calibration run per backend measures its start-up/checkpoint overhead and step
 * time, and each gets the step count that fits the budget (its lr schedule then completes, as a real run's
 * does). The tfjs run additionally aborts at the budget (its checkpoint is then marked partial); torch's is
 * not aborted (it would leave nothing to evaluate), so its seconds may overrun a little — both are reported.
 * Equal steps: the backend that reached more steps is trained again for the other's count.
 */
import path from 'node:path';
import { silentLogger } from '../../shared/log/index.js';
import { resnet18Half } from '../../shared/model/encoder/index.js';
import { runEval, type RunEvalResult } from '../../shared/model/eval/run/index.js';
import { runTraining, type TrainRunResult } from '../../services/trainer/index.js';
import { checkTorch } from '../../services/trainer/torch-backend/index.js';
import { median } from './torch-reference.js';
import type { BenchOptions, BenchResult, BenchSuite } from './bench-result.js';

type Backend = 'wasm' | 'torch';

interface Run {
  backend: Backend;
  train: TrainRunResult;
  seconds: number;
  /** seconds from the call to the first step's end (decode, start-up, first step) */
  firstStepAt: number;
  /** median seconds between steps */
  stepSeconds: number;
}

const CALIBRATION_STEPS = 4;

export const benchTrainQuality: BenchSuite = async (options: BenchOptions): Promise<BenchResult[]> => {
  const torch = await checkTorch().catch((error: unknown) => {
    process.stderr.write(`  train-quality: torch unavailable, suite skipped (${String(error)})\n`);
    return undefined;
  });
  if (!torch) return [];
  const budget = options.quick ? 20 : 90;
  const batchSize = options.quick ? 32 : 64;
  const inputSize = 64;
  const maxImages = 256;
  const source = { kind: 'dir' as const, dir: path.join(options.dataDir, 'bluemarble/4') };
  const labeledDir = path.join(options.dataDir, 'labeled');
  let runs = 0;

  const train = async (backend: Backend, steps: number, budgetSeconds?: number): Promise<Run> => {
    const stamps: number[] = [];
    const controller = new AbortController();
    // only tfjs is stopped by the signal: an aborted torch run writes nothing
    const timer =
      budgetSeconds !== undefined && backend === 'wasm'
        ? setTimeout(() => controller.abort(), budgetSeconds * 1000)
        : undefined;
    const t0 = performance.now();
    try {
      const result = await runTraining(
        {
          source,
          out: path.join(options.workDir, `${backend}-${runs++}`),
          technique: 'simclr',
          arch: resnet18Half,
          inputSize,
          epochs: 1,
          steps,
          batchSize,
          workers: 2,
          seed: 0,
          temperature: 0.1,
          backend,
          maxImages,
        },
        { log: silentLogger(), onStep: () => stamps.push(performance.now()), signal: controller.signal },
      );
      const intervals = stamps.slice(1).map((t, i) => (t - stamps[i]) / 1000);
      return {
        backend,
        train: result,
        seconds: (performance.now() - t0) / 1000,
        firstStepAt: ((stamps[0] ?? t0) - t0) / 1000,
        stepSeconds: intervals.length ? median(intervals) : Number.NaN,
      };
    } finally {
      clearTimeout(timer);
    }
  };

  /** steps that fit the budget: the calibration run's overhead (everything but the later steps) + n steps */
  const fit = (c: Run): number => {
    const overhead = c.seconds - (c.train.result.history.length - 1) * c.stepSeconds;
    return Math.max(1, Math.floor((budget - overhead) / c.stepSeconds) + 1);
  };

  const calibration = { wasm: await train('wasm', CALIBRATION_STEPS), torch: await train('torch', CALIBRATION_STEPS) };
  const timed = {
    wasm: await train('wasm', fit(calibration.wasm), budget),
    torch: await train('torch', fit(calibration.torch), budget),
  };
  const reached = (r: Run) => r.train.result.history.length;
  const equalSteps = Math.min(reached(timed.wasm), reached(timed.torch));
  const stepped = {
    wasm: reached(timed.wasm) === equalSteps ? timed.wasm : await train('wasm', equalSteps),
    torch: reached(timed.torch) === equalSteps ? timed.torch : await train('torch', equalSteps),
  };

  const evaluations = new Map<string, Promise<RunEvalResult>>();
  const evaluate = (r: Run): Promise<RunEvalResult> => {
    let e = evaluations.get(r.train.dir);
    if (!e) {
      e = runEval({ checkpointDir: r.train.dir, labeledDir });
      evaluations.set(r.train.dir, e);
    }
    return e;
  };
  const precision = (e: RunEvalResult, row: number): number => {
    const value = e.rows[row]?.report.labeled?.precisionAt[10];
    if (value === undefined) throw new Error(`no labelled precision@10 in eval row ${row}`);
    return value;
  };

  const base = {
    arch: 'resnet18Half',
    technique: 'simclr',
    size: inputSize,
    batch: batchSize,
    seed: 0,
    source: 'bluemarble z4',
    maxImages,
    eval: 'labeled',
  };
  const label = (b: Backend) => (b === 'wasm' ? 'tfjs wasm 2 workers' : 'torch cpu 2 processes');
  const results: BenchResult[] = [];
  const push = (
    name: string,
    value: number,
    unit: string,
    params: BenchResult['params'],
    ratio?: BenchResult['ratio'],
  ) => results.push({ suite: 'train-quality', name, value, unit, params, ...(ratio ? { ratio } : {}) });

  // sequential: two ORT evaluations at once would measure nothing faster on 2 cores
  const first = await evaluate(timed.wasm);
  process.stderr.write(`${first.table}\n`);
  const randomP = precision(first, 1);
  const histogramP = precision(first, 2);
  const vsHistogram = (v: number) =>
    histogramP > 0 ? { baseline: 'colour histogram', value: v / histogramP } : undefined;
  for (const [mode, set] of [
    ['equal time', timed],
    ['equal steps', stepped],
  ] as const) {
    for (const backend of ['wasm', 'torch'] as const) {
      const r = set[backend];
      const e = await evaluate(r);
      if (e !== first) process.stderr.write(`${e.table}\n`);
      const params = {
        ...base,
        backend: label(backend),
        labeledQueries: e.rows[0]?.report.labeled?.queries ?? 0,
        steps: reached(r),
        seconds: Number(r.seconds.toFixed(1)),
        partial: r.train.result.aborted,
        ...(mode === 'equal time' && {
          budget_s: budget,
          stop:
            backend === 'wasm'
              ? 'calibrated steps + AbortSignal at budget'
              : 'calibrated steps (an aborted torch run writes no checkpoint)',
        }),
      };
      push(
        `${mode}: labeled precision@10, ${label(backend)}`,
        precision(e, 0),
        'precision@10',
        params,
        vsHistogram(precision(e, 0)),
      );
      push(`${mode}: steps reached, ${label(backend)}`, reached(r), 'steps', params);
      push(`${mode}: pairs/s, ${label(backend)}`, r.train.result.imagesPerSecond, 'img/s', params);
    }
  }
  const baseParams = { ...base, checkpoint: 'same arch/size/normalisation, seed 1 (runEval default)' };
  push('labeled precision@10: random-init', randomP, 'precision@10', baseParams, vsHistogram(randomP));
  push('labeled precision@10: colour histogram', histogramP, 'precision@10', baseParams);
  for (const backend of ['wasm', 'torch'] as const) {
    const c = calibration[backend];
    push(`calibration: step seconds, ${label(backend)}`, c.stepSeconds, 's', {
      ...base,
      steps: reached(c),
      overhead_s: Number((c.seconds - (reached(c) - 1) * c.stepSeconds).toFixed(1)),
    });
  }
  return results;
};
