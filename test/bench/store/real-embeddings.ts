/** The real part of the store benchmark's vectors: the kit's imagery through the seeded random encoder. */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { listImageFiles } from '../../../shared/model/image/index.js';
import {
  createDecodePool,
  createImageEmbedder,
  createOrtEncoder,
  prepareModel,
} from '../../../shared/model/infer/index.js';

/** 512 px tiles cut from the kit's global mosaics: real imagery at tile size (the edge remainder is left out). */
async function mosaicTiles(file: string): Promise<Uint8Array[]> {
  const { width = 0, height = 0 } = await sharp(file, { limitInputPixels: 2 ** 26 }).metadata();
  const out: Uint8Array[] = [];
  for (let top = 0; top + 512 <= height; top += 512) {
    for (let left = 0; left + 512 <= width; left += 512) {
      const tile = await sharp(file, { limitInputPixels: 2 ** 26 })
        .extract({ left, top, width: 512, height: 512 })
        .jpeg({ quality: 90 })
        .toBuffer();
      out.push(new Uint8Array(tile));
    }
  }
  return out;
}

/**
 * Every real image of the kit embedded by the seeded random-initialised encoder (resnet18Half, 256-d):
 * GIBS tiles, Blue Marble tiles, labelled examples, layer previews, and 512 px tiles of the two mosaics.
 * Blank tiles are left out (the harvester never embeds them).
 */
export async function realEmbeddings(dataDir: string): Promise<{ vectors: Float32Array[]; modelId: string }> {
  const files = (await listImageFiles(dataDir)).filter(
    (f) => !f.relative.startsWith('gibs/blank/') && !f.relative.startsWith('gibs/mosaic/'),
  );
  const images: Uint8Array[] = await Promise.all(files.map(async (f) => new Uint8Array(await readFile(f.path))));
  for (const mosaic of await listImageFiles(path.join(dataDir, 'gibs/mosaic')))
    images.push(...(await mosaicTiles(mosaic.path)));
  const model = await prepareModel({ checkpoint: 'random', seed: 0 });
  const encoder = await createOrtEncoder(model.onnx, { intraOpThreads: availableParallelism() });
  const pool = await createDecodePool({
    workers: availableParallelism(),
    inputSize: model.inputSize,
    stats: model.stats,
  });
  try {
    const results = await createImageEmbedder({ encoder, pool, batchSize: 32 }).embed(images);
    const vectors = results.filter((r): r is Float32Array => r instanceof Float32Array);
    return { vectors, modelId: model.modelId };
  } finally {
    await pool.close();
    await encoder.close();
  }
}
