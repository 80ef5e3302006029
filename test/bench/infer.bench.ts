/**
 * Inference throughput, all side by side in one run: tfjs-wasm (the training engine) vs onnxruntime-node
 * through our embedder (JPEG bytes → vectors, decode on worker threads) vs the raw ORT session on
 * pre-made tensors (the engine's ceiling); plus decode+preprocess alone (sharp, inline vs worker pool).
 * Ratios: raw ORT and tfjs at the same size/batch; pool decode vs inline decode.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { listImageFiles } from '../../shared/model/data/index.js';
import { buildEncoderGraph, createTfjsEncoder, initWeights, resnet18Half } from '../../shared/model/encoder/index.js';
import { createDecodePool, createImageEmbedder, createOrtEncoder, preprocessImage } from '../../shared/model/infer/index.js';
import { exportOnnx } from '../../shared/model/onnx/index.js';
import { initBackend } from '../../shared/model/train/backend.js';
import type { BenchOptions, BenchResult, BenchSuite } from './bench-result.js';

const STATS = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as { mean: [number, number, number]; std: [number, number, number] };

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

  // the real workload: 512 px GIBS tiles (RGB JPEG, 4-component JPEG, PNG)
  const files = await listImageFiles(path.join(options.dataDir, 'gibs/tiles'));
  const tiles = await Promise.all(files.map(async (f) => new Uint8Array(await readFile(f.path))));
  const graph = buildEncoderGraph(resnet18Half);
  const weights = initWeights(graph, 1);
  await initBackend('wasm');
  const cores = availableParallelism();

  const sizes = quick ? [64] : [64, 128];
  for (const size of sizes) {
    const batches = quick ? [32] : size === 64 ? [1, 32, 128] : [32];
    const threadCounts = quick ? [2] : [1, 2];
    const decoded = await Promise.all(tiles.map((t) => preprocessImage(t, size, STATS)));
    const model = exportOnnx(graph, weights, { inputSize: size });

    // decode + preprocess only
    const decodeSet = Array.from({ length: quick ? 16 : 48 }, (_, i) => tiles[i % tiles.length]);
    const inline = await createDecodePool({ workers: 0, inputSize: size, stats: STATS });
    const inlineRate = await rate(async () => (await Promise.all(decodeSet.map((b) => inline.decode(b)))).length, minSeconds);
    push(`decode+preprocess sharp inline ${size}px`, inlineRate, { size, workers: 0 });
    const pool = await createDecodePool({ workers: cores, inputSize: size, stats: STATS });
    try {
      const poolRate = await rate(async () => (await Promise.all(decodeSet.map((b) => pool.decode(b)))).length, minSeconds);
      push(`decode+preprocess sharp pool ${size}px`, poolRate, { size, workers: cores }, { baseline: 'inline decode', value: poolRate / inlineRate });

      const tfjs = createTfjsEncoder(graph, weights, { maxBatch: 128 });
      const raw = new Map<number, ort.InferenceSession>();
      try {
        for (const batch of batches) {
          const input = batchOf(decoded, batch);
          const tfjsRate = await rate(async () => (await tfjs.embed(input, batch, size)).length, minSeconds);
          push(`tfjs-wasm ${size}px batch ${batch}`, tfjsRate, { size, batch, threads: 1 });
          for (const threads of threadCounts) {
            let session = raw.get(threads);
            if (!session) {
              session = await ort.InferenceSession.create(model, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
              raw.set(threads, session);
            }
            const s = session;
            const feed = { input: new ort.Tensor('float32', input, [batch, size, size, 3]) };
            const rawRate = await rate(async () => ((await s.run(feed)).embedding.dims[0] as number), minSeconds);
            push(`onnxruntime raw session ${size}px batch ${batch}`, rawRate, { size, batch, threads }, { baseline: 'tfjs-wasm', value: rawRate / tfjsRate });
          }
        }
      } finally {
        tfjs.dispose();
        for (const s of raw.values()) await s.release();
      }

      // end to end from JPEG bytes: decode pool + ORT encoder + our pre/post processing
      const embedSet = Array.from({ length: quick ? 32 : 128 }, (_, i) => tiles[i % tiles.length]);
      for (const threads of threadCounts) {
        const encoder = await createOrtEncoder(model, { intraOpThreads: threads });
        try {
          const embedder = createImageEmbedder({ encoder, pool, batchSize: 32 });
          const e2e = await rate(async () => (await embedder.embed(embedSet)).length, minSeconds);
          push(`embedder jpeg→vector (pool+onnxruntime) ${size}px batch 32`, e2e, { size, batch: 32, threads, workers: cores });
        } finally {
          await encoder.close();
        }
      }
    } finally {
      await pool.close();
      await inline.close();
    }
  }
  return results;
};
