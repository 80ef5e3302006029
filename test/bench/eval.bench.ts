/**
 * Evaluation bench: an encoder trained for a fixed budget (SimCLR, a fixed number of steps) against the two
 * baselines, a random-initialised encoder of the same architecture and a colour histogram, on the gate's
 * metrics: labeled precision@10, shifted-view and cross-source recall@10 of the held-out place proxy, and
 * collapse std. Training uses only crops of the 'train' side of the place split (both global mosaics);
 * the labeled scenes are never trained on. Each number comes with its ratio to the histogram, measured in
 * the same run; random-ranking chance is reported too. Both encoders are evaluated as the gate evaluates
 * them: exported to ONNX and run by onnxruntime-node. The evaluation sets are named explicitly (the kit's
 * labelled folder and its two mosaics), as a deployment's configuration names its own.
 *
 * The budget is small (this is a 2-core machine and the bench must stay around a minute): the default
 * architecture is the small CNN at 64 px; full mode trains longer, not bigger.
 */
import path from 'node:path';
import { buildSplitCrops, createAugmentedSource, createImageDataset } from '../../services/trainer/data/index.js';
import { buildEncoderGraph, smallCnn, type EncoderArch } from '../../shared/model/encoder/index.js';
import {
  RasterCache,
  buildEvalSets,
  colourHistogramEmbed,
  embedFnFromEncoder,
  evaluateEncoder,
  formatEvalTable,
  type EvalReport,
  type NamedReport,
} from '../../shared/model/eval/index.js';
import { createOrtEncoder, prepareModel, type OrtEncoder } from '../../shared/model/infer/index.js';
import { exportOnnx } from '../../shared/model/onnx/index.js';
import { defaultLearningRate, initBackend, trainEncoder } from '../../services/trainer/train/index.js';
import type { BenchOptions, BenchResult, BenchSuite } from './bench-result.js';

interface Metric {
  name: string;
  unit: string;
  read: (r: EvalReport) => number | undefined;
  chance?: (r: EvalReport) => number | undefined;
}

const METRICS: Metric[] = [
  {
    name: 'labeled precision@10',
    unit: 'precision@10',
    read: (r) => r.labeled?.precisionAt[10],
    chance: (r) => r.labeled?.chance,
  },
  {
    name: 'shifted-view recall@10',
    unit: 'recall@10',
    read: (r) => r.proxy?.shifted.recallAt[10],
    chance: (r) => r.proxy?.shifted.chance[10],
  },
  {
    name: 'cross-source recall@10',
    unit: 'recall@10',
    read: (r) => r.proxy?.crossSource?.recallAt[10],
    chance: (r) => r.proxy?.crossSource?.chance[10],
  },
  { name: 'collapse std·sqrt(dim)', unit: 'ratio', read: (r) => r.collapseStd * Math.sqrt(r.dim) },
];

export const benchEval: BenchSuite = async (options: BenchOptions): Promise<BenchResult[]> => {
  const arch: EncoderArch = smallCnn;
  const inputSize = 64;
  const batchSize = 64;
  const steps = options.quick ? 8 : 120;
  const seed = 1;
  const backend = await initBackend('wasm');
  const cache = new RasterCache();

  const mosaics = {
    primary: path.join(
      options.dataDir,
      'gibs/mosaic/MODIS_Terra_CorrectedReflectance_TrueColor_2020-09-27_global.jpeg',
    ),
    crossSource: path.join(options.dataDir, 'gibs/mosaic/bluemarble_small_8192x4096.jpg'),
  };
  const sets = await buildEvalSets({ inputSize, labeledDir: path.join(options.dataDir, 'labeled'), mosaics, cache });
  const crops = await buildSplitCrops({ dataDir: options.dataDir, inputSize, split: 'train', strideDeg: 4.5, cache });
  const dataset = createImageDataset(
    crops.images,
    crops.boxes.map((b, i) => `${crops.mosaics[i]}:${b.join(',')}`),
    inputSize,
  );
  const data = createAugmentedSource(dataset, { viewSize: inputSize });

  const trainStarted = performance.now();
  const trained = await trainEncoder({
    arch,
    technique: 'simclr',
    inputSize,
    batchSize,
    epochs: 1,
    steps,
    workers: 2,
    seed,
    lr: defaultLearningRate(batchSize),
    temperature: 0.1,
    backend: 'wasm',
    data,
  });
  const trainSeconds = (performance.now() - trainStarted) / 1000;

  const encoders: OrtEncoder[] = [];
  const fromOnnx = async (onnx: Uint8Array) => {
    const enc = await createOrtEncoder(onnx);
    encoders.push(enc);
    return embedFnFromEncoder(enc, dataset.stats);
  };
  const trainedOnnx = exportOnnx(buildEncoderGraph(arch), trained.weights, { inputSize });
  const randomOnnx = (await prepareModel({ checkpoint: 'random', seed, arch, inputSize, stats: dataset.stats })).onnx;
  const rows: NamedReport[] = [];
  try {
    rows.push({ name: `trained (${steps} steps)`, report: await evaluateEncoder(await fromOnnx(trainedOnnx), sets) });
    rows.push({ name: 'random-init', report: await evaluateEncoder(await fromOnnx(randomOnnx), sets) });
    rows.push({ name: 'colour histogram', report: await evaluateEncoder(colourHistogramEmbed(), sets) });
  } finally {
    await Promise.all(encoders.map((enc) => enc.close()));
    cache.clear();
  }
  process.stderr.write(`${formatEvalTable(rows)}\n`);

  const params = {
    arch: arch.kind,
    inputSize,
    batchSize,
    steps,
    backend,
    technique: 'simclr',
    trainImages: dataset.size,
    labeledQueries: rows[0].report.labeled?.queries ?? 0,
    proxyPlaces: rows[0].report.proxy?.shifted.queries ?? 0,
  };
  const results: BenchResult[] = [
    { suite: 'eval', name: `train ${steps} steps (fixed budget)`, value: trainSeconds, unit: 's', params },
    { suite: 'eval', name: 'train throughput', value: trained.imagesPerSecond, unit: 'img/s', params },
  ];
  const [model, random, histogram] = rows.map((r) => r.report);
  for (const m of METRICS) {
    const h = m.read(histogram);
    const ratio = (v: number | undefined) =>
      v !== undefined && h !== undefined && h > 0 ? { baseline: 'colour histogram', value: v / h } : undefined;
    for (const [name, report] of [
      ['trained', model],
      ['random-init', random],
      ['colour histogram', histogram],
    ] as const) {
      const value = m.read(report);
      if (value === undefined) continue;
      results.push({
        suite: 'eval',
        name: `${m.name}: ${name}`,
        value,
        unit: m.unit,
        ratio: name === 'colour histogram' ? undefined : ratio(value),
        params,
      });
    }
    const mv = m.read(model),
      rv = m.read(random);
    if (mv !== undefined && rv !== undefined && rv > 0) {
      results.push({
        suite: 'eval',
        name: `${m.name}: trained vs random-init`,
        value: mv,
        unit: m.unit,
        ratio: { baseline: 'random-init', value: mv / rv },
        params,
      });
    }
    const chance = m.chance?.(model);
    if (chance !== undefined)
      results.push({ suite: 'eval', name: `${m.name}: chance`, value: chance, unit: m.unit, params });
  }
  return results;
};
