import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../../shared/errors/index.js';
import { saveCheckpoint } from '../../../../shared/model/checkpoint/index.js';
import { decodeToTensor, normalize, imageErrorCodes } from '../../../../shared/model/image/index.js';
import { buildEncoderGraph, smallCnn } from '../../../../shared/model/encoder/index.js';
import { createOrtEncoder, embedImagesToJsonl } from '../../../../shared/model/infer/index.js';
import { exportOnnx } from '../../../../shared/model/onnx/index.js';
import { randomWeights } from '../../../support/random-weights.js';
import { corruptJpeg, dataDir, l2, maxAbsDiff, testStats, tilePaths } from '../../../support/model-fixtures.js';

interface Line {
  path: string;
  vector: number[];
}
const parse = async (file: string): Promise<Line[]> =>
  (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);

describe('embedImagesToJsonl', () => {
  let work: string;
  let images: string;
  // relative path in the test dir → source tile
  const layout: Record<string, string> = {
    'b/tile-10.jpg': tilePaths[0],
    'a/nested/arctic.JPG': tilePaths[2],
    'goes.png': tilePaths[3],
    'z-hurricane.jpeg': tilePaths[5],
  };

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'embed-jsonl-'));
    images = path.join(work, 'images');
    for (const [rel, src] of Object.entries(layout)) {
      await mkdir(path.dirname(path.join(images, rel)), { recursive: true });
      await copyFile(path.join(dataDir, src), path.join(images, rel));
    }
    await writeFile(path.join(images, 'broken.jpg'), corruptJpeg);
    await writeFile(path.join(images, 'notes.txt'), 'not an image');
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('random weights: one sorted line per image, unit vectors, the corrupt file reported, deterministic', async () => {
    const out = path.join(work, 'out', 'random.jsonl');
    const options = {
      dir: images,
      checkpoint: 'random',
      seed: 5,
      arch: smallCnn,
      inputSize: 32,
      out,
      workers: 2,
      batchSize: 3,
      intraOpThreads: 1,
    };
    const summary = await embedImagesToJsonl(options);
    assert.equal(summary.images, 5);
    assert.equal(summary.embedded, 4);
    assert.deepEqual(
      summary.failed.map((f) => [f.path, f.code]),
      [['broken.jpg', 'UNDECODABLE']],
    );
    assert.equal(summary.modelId, 'random-small-seed5');
    assert.equal(summary.provider, 'cpu');
    const lines = await parse(out);
    assert.deepEqual(
      lines.map((l) => l.path),
      ['a/nested/arctic.JPG', 'b/tile-10.jpg', 'goes.png', 'z-hurricane.jpeg'],
    );
    for (const l of lines) {
      assert.equal(l.vector.length, 64);
      assert.ok(Math.abs(l2(Float32Array.from(l.vector)) - 1) < 1e-5);
    }
    // same seed, same bytes; no temp file left beside the output
    const again = path.join(work, 'out', 'again.jsonl');
    await embedImagesToJsonl({ ...options, out: again, workers: 1, batchSize: 32 });
    assert.equal(await readFile(again, 'utf8'), await readFile(out, 'utf8'));
    assert.deepEqual((await readdir(path.join(work, 'out'))).sort(), ['again.jsonl', 'random.jsonl']);
    // a different seed is a different model
    await embedImagesToJsonl({ ...options, seed: 6, out: path.join(work, 'seed6.jsonl') });
    const other = await parse(path.join(work, 'seed6.jsonl'));
    assert.ok(maxAbsDiff(Float32Array.from(other[0].vector), Float32Array.from(lines[0].vector)) > 1e-3);
  });

  it('a checkpoint: uses its weights, input size and normalisation', async () => {
    const graph = buildEncoderGraph(smallCnn);
    const weights = randomWeights(graph, 9);
    const ckpt = path.join(work, 'ckpt');
    await saveCheckpoint(ckpt, {
      weights,
      meta: {
        parent: null,
        technique: 'simclr',
        arch: smallCnn,
        input_size: 48,
        normalization: testStats,
        data_window: { from: '2016-01-01', to: '2016-02-01', images: 10 },
        metrics: {},
      },
    });
    const out = path.join(work, 'ckpt.jsonl');
    const summary = await embedImagesToJsonl({ dir: images, checkpoint: ckpt, out, workers: 1 });
    assert.equal(summary.inputSize, 48);
    assert.match(summary.modelId, /^ckpt-/);
    const lines = await parse(out);
    // the oracle: same weights exported directly, same decode + normalisation on the main thread
    const encoder = await createOrtEncoder(exportOnnx(graph, weights, { inputSize: 48 }));
    try {
      for (const line of lines) {
        const src = layout[line.path];
        const input = normalize(
          await decodeToTensor(new Uint8Array(await readFile(path.join(dataDir, src))), 48),
          testStats,
        );
        const [expected] = await encoder.embedTensor(input, 1);
        assert.ok(maxAbsDiff(Float32Array.from(line.vector), expected) < 1e-6, line.path);
      }
    } finally {
      await encoder.close();
    }
  });

  it('fails clearly on a missing image dir or a broken checkpoint, leaving no output file', async () => {
    const out = path.join(work, 'never.jsonl');
    await assert.rejects(
      embedImagesToJsonl({ dir: path.join(work, 'nope'), checkpoint: 'random', out }),
      (e: unknown) => e instanceof AppError && e.code === imageErrorCodes.dirUnreadable,
    );
    const broken = path.join(work, 'broken-ckpt');
    await mkdir(broken);
    await writeFile(path.join(broken, 'metadata.json'), '{"format": "nope"}');
    await assert.rejects(
      embedImagesToJsonl({ dir: images, checkpoint: broken, out }),
      (e: unknown) => e instanceof AppError && /CHECKPOINT/.test(e.code),
    );
    await assert.rejects(embedImagesToJsonl({ dir: images, checkpoint: 'random', out, batchSize: 0 }), /batchSize/);
    assert.ok(!(await readdir(work)).some((f) => f.startsWith('never.jsonl')));
  });
});
