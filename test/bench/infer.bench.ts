/**
 * Inference throughput, all side by side in one run: tfjs-wasm (the training engine) vs onnxruntime-node
 * through our embedder (JPEG bytes → vectors, decode on worker threads) vs the raw ORT session on
 * pre-made tensors (the engine's ceiling) and our OrtEncoder on the same tensors; plus decode+preprocess
 * alone (sharp: one at a time, all at once on the main thread, worker pool).
 * Ratios: raw ORT vs tfjs at the same size/batch; concurrent decodes vs one at a time.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { listImageFiles } from '../../shared/model/image/index.js';
import { buildEncoderGraph, initWeights, resnet18Half } from '../../shared/model/encoder/index.js';
import { createTfjsEncoder } from '../../services/trainer/tfjs/index.js';
import {
  createDecodePool,
  createImageEmbedder,
  createOrtEncoder,
  preprocessImage,
} from '../../shared/model/infer/index.js';
import { exportOnnx } from '../../shared/model/onnx/index.js';
import { initBackend } from '../../services/trainer/train/backend.js';
import type { BenchOptions, BenchResult, BenchSuite } from './bench-result.js';
import { torchPython, torchReferenceRate } from './torch-reference.js';

const STATS = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as {
  mean: [number, number, number];
  std: [number, number, number];
};

/** images/s of `run` (which returns how many images it processed) after one warm-up call, over ≥ minSeconds */
async function rate(run: () => Promise<number>, minSeconds: number): Promise<number> {
  await run();
  let images = 0;
  const t0 = performance.now();
  do images += await run();
  while ((performance.now() - t0) / 1000 < minSeconds);
  return images / ((performance.now() - t0) / 1000);
}

/** `n` tensors cycled from the decoded tiles, back to back */
function batchOf(tensors: Float32Array[], n: number): Float32Array {
  const per = tensors[0].length;
  const out = new Float32Array(n * per);
  for (let i = 0; i < n; i++) out.set(tensors[i % tensors.length], i * per);
  return out;
}

export const benchInfer: BenchSuite = async (options: BenchOptions): Promise<BenchResult[]> => {
  const { quick } = options;
  const minSeconds = quick ? 0.3 : 1;
  const results: BenchResult[] = [];
  const push = (name: string, value: number, params: BenchResult['params'], ratio?: BenchResult['ratio']) =>
    results.push({ suite: 'infer', name, value, unit: 'img/s', params, ...(ratio ? { ratio } : {}) });

  // the harvest workload: 512 px EPSG:4326 GIBS tiles and the OnEarth samples (RGB JPEG, RGBA PNG). The
  // EPSG:3413 4-component JPEGs are left out: their CMYK conversion costs ~4x a plain JPEG and the
  // harvester does not fetch them, so they would only skew the rate.
  const files = [
    ...(await listImageFiles(path.join(options.dataDir, 'gibs/tiles/epsg4326'))),
    ...(await listImageFiles(path.join(options.dataDir, 'gibs/tiles/other'))),
  ];
  const tiles = await Promise.all(files.map(async (f) => new Uint8Array(await readFile(f.path))));
  const graph = buildEncoderGraph(resnet18Half);
  const weights = initWeights(graph, 1);
  await initBackend('wasm');
  const cores = availableParallelism();

  const sizes = quick ? [64] : [64, 128];
  const python = await torchPython();
  for (const size of sizes) {
    let wrappedTwoThreads32: number | undefined;
    const batches = quick ? [32] : size === 64 ? [1, 32, 128] : [32];
    const threadCounts = quick ? [2] : [1, 2];
    const decoded = await Promise.all(tiles.map((t) => preprocessImage(t, size, STATS)));
    const model = exportOnnx(graph, weights, { inputSize: size });

    // decode + preprocess only
    const decodeSet = Array.from({ length: quick ? 16 : 36 }, (_, i) => tiles[i % tiles.length]);
    // sharp itself runs on libuv's thread pool, so even the main thread decodes several images at once;
    // one-at-a-time is the per-core baseline
    const inline = await createDecodePool({ workers: 0, inputSize: size, stats: STATS });
    const sequentialRate = await rate(async () => {
      for (const b of decodeSet) await inline.decode(b);
      return decodeSet.length;
    }, minSeconds);
    push(`decode+preprocess sharp one at a time ${size}px`, sequentialRate, { size, workers: 0, concurrent: 1 });
    const inlineRate = await rate(
      async () => (await Promise.all(decodeSet.map((b) => inline.decode(b)))).length,
      minSeconds,
    );
    push(
      `decode+preprocess sharp main thread, all at once ${size}px`,
      inlineRate,
      { size, workers: 0, concurrent: decodeSet.length },
      { baseline: 'one at a time', value: inlineRate / sequentialRate },
    );
    const pool = await createDecodePool({ workers: cores, inputSize: size, stats: STATS });
    try {
      const poolRate = await rate(
        async () => (await Promise.all(decodeSet.map((b) => pool.decode(b)))).length,
        minSeconds,
      );
      push(
        `decode+preprocess sharp worker pool ${size}px`,
        poolRate,
        { size, workers: cores },
        { baseline: 'one at a time', value: poolRate / sequentialRate },
      );

      const inputs = new Map(batches.map((batch) => [batch, batchOf(decoded, batch)] as const));
      const tfjsRates = new Map<number, number>();
      const tfjs = createTfjsEncoder(graph, weights, { maxBatch: 128 });
      try {
        for (const [batch, input] of inputs) {
          const tfjsRate = await rate(async () => (await tfjs.embed(input, batch, size)).length, minSeconds);
          tfjsRates.set(batch, tfjsRate);
          push(`tfjs-wasm ${size}px batch ${batch}`, tfjsRate, { size, batch, threads: 1 });
        }
      } finally {
        tfjs.dispose();
      }
      // one ORT session alive at a time: an idle session's spinning threads would slow the measured one
      for (const threads of threadCounts) {
        const rawRates = new Map<number, number>();
        const session = await ort.InferenceSession.create(model, {
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
          graphOptimizationLevel: 'all',
        });
        try {
          for (const [batch, input] of inputs) {
            const feed = { input: new ort.Tensor('float32', input, [batch, size, size, 3]) };
            const rawRate = await rate(async () => (await session.run(feed)).embedding.dims[0] as number, minSeconds);
            rawRates.set(batch, rawRate);
            push(
              `onnxruntime raw session ${size}px batch ${batch}`,
              rawRate,
              { size, batch, threads },
              { baseline: 'tfjs-wasm', value: rawRate / (tfjsRates.get(batch) as number) },
            );
          }
        } finally {
          await session.release();
        }
        // our wrapper on the same tensors: validation, row copies, spin-wait off (see ort-encoder.ts)
        const encoder = await createOrtEncoder(model, { intraOpThreads: threads });
        try {
          for (const [batch, input] of inputs) {
            const wrapped = await rate(async () => (await encoder.embedTensor(input, batch)).length, minSeconds);
            push(
              `OrtEncoder.embedTensor ${size}px batch ${batch}`,
              wrapped,
              { size, batch, threads },
              { baseline: 'raw session', value: wrapped / (rawRates.get(batch) as number) },
            );
            if (threads === 2 && batch === 32) wrappedTwoThreads32 = wrapped;
          }
        } finally {
          await encoder.close();
        }
      }

      // end to end from JPEG bytes: decode pool + ORT encoder + our pre/post processing
      const embedSet = Array.from({ length: quick ? 32 : 128 }, (_, i) => tiles[i % tiles.length]);
      for (const threads of threadCounts) {
        const encoder = await createOrtEncoder(model, { intraOpThreads: threads });
        try {
          const embedder = createImageEmbedder({ encoder, pool, batchSize: 32 });
          const e2e = await rate(async () => (await embedder.embed(embedSet)).length, minSeconds);
          push(`embedder jpeg→vector (pool+onnxruntime) ${size}px batch 32`, e2e, {
            size,
            batch: 32,
            threads,
            workers: cores,
          });
        } finally {
          await encoder.close();
        }
      }
    } finally {
      await pool.close();
      await inline.close();
    }
    // the same encoder in PyTorch on the same CPU (Debian's python3-torch, when installed), side by side
    if (python && wrappedTwoThreads32 !== undefined) {
      const torch = await torchReferenceRate(python, {
        batch: 32,
        size,
        steps: quick ? 5 : 30,
        warmup: 2,
        mode: 'infer',
      });
      const spread = { spread: Number(torch.spread.toFixed(3)), steps: torch.steps, warmup: torch.warmup };
      push(`PyTorch CPU reference ${size}px batch 32 (2 threads)`, torch.median, {
        size,
        batch: 32,
        threads: 2,
        framework: `torch ${torch.torch}`,
        ...spread,
      });
      push(
        `OrtEncoder vs PyTorch ${size}px batch 32 (2 threads)`,
        wrappedTwoThreads32,
        { size, batch: 32, threads: 2 },
        { baseline: 'PyTorch CPU (same run)', value: wrappedTwoThreads32 / torch.median },
      );
    }
  }
  return results;
};
