import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../../../shared/errors/index.js';
import {
  buildPlaceProxySet,
  colourHistogramEmbed,
  constantEmbed,
  recallAtKs,
  evalErrorCodes,
} from '../../../../shared/model/eval/index.js';
import { kit, tiles } from '../../../support/data-kit.js';

const mosaics = { primary: tiles.modisMosaic, crossSource: kit('gibs/mosaic/bluemarble_small_8192x4096.jpg') };

function solid(size: number, r: number, g: number, b: number): Float32Array {
  const img = new Float32Array(size * size * 3);
  for (let p = 0; p < img.length; p += 3) {
    img[p] = r;
    img[p + 1] = g;
    img[p + 2] = b;
  }
  return img;
}

describe('colourHistogramEmbed', () => {
  it('puts a solid colour in its one joint bin, as a unit vector', async () => {
    const [red, mixed] = await colourHistogramEmbed()([solid(4, 1, 0, 0), solid(4, 0.3, 0.6, 0.99)]);
    assert.equal(red.length, 512);
    // r=1 → bin 7 (the top edge stays in the last bin), g=b=0 → bin 0
    assert.equal(red[(7 * 8 + 0) * 8 + 0], 1);
    assert.equal(
      red.reduce((a, x) => a + x, 0),
      1,
    );
    assert.equal(mixed[(2 * 8 + 4) * 8 + 7], 1);
  });

  it('gives the Hellinger embedding: sqrt of pixel fractions, unit length', async () => {
    const img = solid(2, 0, 0, 0); // 4 pixels: 3 black, 1 white
    img.set([1, 1, 1], 9);
    const [h] = await colourHistogramEmbed({ bins: 4 })([img]);
    assert.equal(h.length, 64);
    assert.ok(Math.abs(h[0] - Math.sqrt(3 / 4)) < 1e-6);
    assert.ok(Math.abs(h[63] - Math.sqrt(1 / 4)) < 1e-6);
    assert.ok(Math.abs(Math.hypot(...h) - 1) < 1e-6);
    const [m] = await colourHistogramEmbed({ bins: 4, mode: 'marginal' })([img]);
    assert.equal(m.length, 12);
    assert.ok(Math.abs(m[0] - Math.sqrt(3 / 12)) < 1e-6 && Math.abs(m[3] - Math.sqrt(1 / 12)) < 1e-6);
  });

  it('refuses bad options and non-RGB input', async () => {
    const isValidation = (e: unknown) => e instanceof AppError && !e.retriable;
    assert.throws(() => colourHistogramEmbed({ bins: 1 }), isValidation);
    assert.throws(() => colourHistogramEmbed({ mode: 'cubic' as 'joint' }), isValidation);
    await assert.rejects(
      colourHistogramEmbed()([new Float32Array(10)]),
      (e: unknown) => e instanceof AppError && e.code === evalErrorCodes.badImage,
    );
    assert.throws(() => constantEmbed(0), isValidation);
  });

  it('finds shifted views of real held-out places far above chance', async () => {
    const set = await buildPlaceProxySet({ mosaics, inputSize: 32 });
    const embed = colourHistogramEmbed();
    const t = set.shifted;
    const r = recallAtKs(await embed(t.queries), await embed(t.gallery), t.truth, [1, 10]);
    // chance is k / gallery (~1% and ~8% at ~130 places); a histogram of a 50%-shifted crop does far better
    assert.ok(r.recallAt[1] > 10 * r.chance[1], `recall@1 ${r.recallAt[1]} vs chance ${r.chance[1]}`);
    assert.ok(r.recallAt[10] > 4 * r.chance[10], `recall@10 ${r.recallAt[10]} vs chance ${r.chance[10]}`);
    // and it is not solved: the proxy leaves a learned encoder room above the histogram
    assert.ok(r.recallAt[10] < 0.9, `recall@10 ${r.recallAt[10]}`);
    const c = set.crossSource;
    assert.ok(c);
    const rc = recallAtKs(await embed(c.queries), await embed(c.gallery), c.truth, [10]);
    assert.ok(rc.recallAt[10] > rc.chance[10], `cross-source recall@10 ${rc.recallAt[10]} vs chance ${rc.chance[10]}`);
  });
});
