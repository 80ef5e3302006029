/**
 * Image preprocessing throughput: sharp decode + resize + normalise of real 512 px GIBS tiles (RGB and the
 * 4-component EPSG:3413 JPEGs) at 64 and 128 px, one at a time and with several decodes in flight (sharp
 * runs on libuv's thread pool and libvips threads), and augmentPair views/s for training batches.
 * Ratios compare against the one-at-a-time loop measured in the same run.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { augmentPair } from '../../services/trainer/augment/index.js';
import { createRng } from '../../shared/random/index.js';
import { computeChannelStats, decodeToTensor, listImages, normalize } from '../../shared/model/image/index.js';
import type { BenchOptions, BenchResult, BenchSuite } from './bench-result.js';

const SUITE = 'preprocess';

/** Runs `step` (one unit of `units` items) until `budgetMs` has passed; returns items per second. */
async function rate(budgetMs: number, units: number, step: () => Promise<unknown> | unknown): Promise<number> {
  await step(); // warm-up: JIT, sharp's first-use initialisation
  let done = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < budgetMs || done === 0) {
    await step();
    done += units;
  }
  return done / ((performance.now() - t0) / 1000);
}

export const benchPreprocess: BenchSuite = async (options: BenchOptions): Promise<BenchResult[]> => {
  const budgetMs = options.quick ? 400 : 1800;
  const files = await listImages(path.join(options.dataDir, 'gibs/tiles'));
  const tiles = await Promise.all(files.map((f) => readFile(f)));
  const params = { tiles: tiles.length, tile_px: 512, sharp_threads: sharp.concurrency(), cpus: os.cpus().length };
  const results: BenchResult[] = [];

  for (const size of [64, 128]) {
    const stats = computeChannelStats([await decodeToTensor(tiles[0], size)]);
    let next = 0;
    const one = async () => normalize(await decodeToTensor(tiles[next++ % tiles.length], size), stats);
    const sequential = await rate(budgetMs, 1, one);
    results.push({
      suite: SUITE,
      name: `decode+normalise ${size}px, one at a time`,
      value: sequential,
      unit: 'img/s',
      params: { ...params, size },
    });
    for (const inFlight of [4]) {
      const concurrent = await rate(budgetMs, inFlight, () => Promise.all(Array.from({ length: inFlight }, one)));
      results.push({
        suite: SUITE,
        name: `decode+normalise ${size}px, ${inFlight} in flight`,
        value: concurrent,
        unit: 'img/s',
        ratio: { baseline: `decode+normalise ${size}px, one at a time`, value: concurrent / sequential },
        params: { ...params, size, in_flight: inFlight },
      });
    }
  }

  const n = 32;
  for (const [source, view] of [
    [64, 64],
    [128, 64],
    [128, 128],
  ] as const) {
    const decoded = await Promise.all(
      Array.from({ length: n }, (_, i) => decodeToTensor(tiles[i % tiles.length], source)),
    );
    const batch = new Float32Array(n * source * source * 3);
    decoded.forEach((image, i) => batch.set(image, i * image.length));
    const stats = computeChannelStats(decoded);
    const rng = createRng(1);
    const views = await rate(budgetMs, 2 * n, () =>
      augmentPair(batch, n, source, rng, { outSize: view, normalization: stats }),
    );
    results.push({
      suite: SUITE,
      name: `augmentPair ${source}px → ${view}px views`,
      value: views,
      unit: 'views/s',
      params: { batch: n, source_px: source, view_px: view, ms_per_view: Number((1000 / views).toFixed(3)) },
    });
  }
  return results;
};
