import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { AppError, errorCodes } from '../../../../shared/errors/index.js';
import { decodeToTensor, isBlankImage } from '../../../../shared/model/image/index.js';
import { blanks, channelMeans, kit, meanAbsDiff, tiles } from '../../../support/data-kit.js';

const isUndecodable = (error: unknown) =>
  error instanceof AppError && error.code === errorCodes.undecodable && error.retriable === false;

function lumaStats(x: Float32Array) {
  const luma: number[] = [];
  let redMinusBlue = 0;
  let bright = 0;
  for (let i = 0; i < x.length; i += 3) {
    const l = 0.299 * x[i] + 0.587 * x[i + 1] + 0.114 * x[i + 2];
    luma.push(l);
    if (l > 0.75) {
      redMinusBlue += x[i] - x[i + 2];
      bright++;
    }
  }
  luma.sort((a, b) => a - b);
  return {
    p1: luma[Math.floor(luma.length * 0.01)],
    brightShare: bright / luma.length,
    brightRedMinusBlue: redMinusBlue / Math.max(1, bright),
  };
}

describe('decodeToTensor', () => {
  it('decodes a real 512 px GIBS JPEG tile to 64x64 HWC float RGB in [0,1]', async () => {
    const x = await decodeToTensor(await readFile(tiles.geo10), 64);
    assert.equal(x.length, 64 * 64 * 3);
    assert.ok(x.every((v) => v >= 0 && v <= 1));
    assert.ok(!isBlankImage(x));
    // the same bytes at 128 px agree with the 64 px decode on average (a resize, not a different image)
    const big = await decodeToTensor(await readFile(tiles.geo10), 128);
    const m64 = channelMeans(x);
    const m128 = channelMeans(big);
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(m64[c] - m128[c]) < 0.01);
  });

  it('decodes the 4-component EPSG:3413 JPEGs as true colour (dark ocean, neutral white clouds), not washed-out CMYK', async () => {
    const decoded: Float32Array[] = [];
    for (const [row, col] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]) {
      const bytes = await readFile(tiles.arctic(row, col));
      assert.equal((await sharp(bytes).metadata()).channels, 4);
      const x = await decodeToTensor(bytes, 64);
      assert.equal(x.length, 64 * 64 * 3);
      const s = lumaStats(x);
      assert.ok(s.brightShare > 0.1, `tile ${row}/${col}: ${s.brightShare} bright pixels`);
      assert.ok(
        Math.abs(s.brightRedMinusBlue) < 0.03,
        `tile ${row}/${col}: clouds tinted, R-B = ${s.brightRedMinusBlue.toFixed(3)}`,
      );
      decoded.push(x);
    }
    const pooled = new Float32Array(decoded.reduce((n, x) => n + x.length, 0));
    decoded.reduce((offset, x) => (pooled.set(x, offset), offset + x.length), 0);
    const p1 = lumaStats(pooled).p1;
    assert.ok(p1 < 0.1, `darkest 1% luma ${p1.toFixed(3)} (a lifted black means a generic CMYK profile conversion)`);
    // the grid is seamless: the right column of 0/0 continues into the left column of 0/1
    const edge = (x: Float32Array, col: number) =>
      Float32Array.from({ length: 64 * 3 }, (_, k) => x[(Math.floor(k / 3) * 64 + col) * 3 + (k % 3)]);
    assert.ok(meanAbsDiff(edge(decoded[0], 63), edge(decoded[1], 0)) < 0.08, 'tile edges meet');
  });

  it('flattens alpha on black: transparent pixels of the real RGBA GOES PNG become 0, opaque ones keep their colour', async () => {
    const bytes = await readFile(tiles.goesPng);
    const { data: rgba, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    assert.equal(info.channels, 4);
    const out = await decodeToTensor(bytes, 512);
    let transparent = 0;
    let opaque = 0;
    for (let p = 0; p < 512 * 512; p++) {
      const alpha = rgba[p * 4 + 3];
      for (let c = 0; c < 3; c++) {
        if (alpha === 0) assert.equal(out[p * 3 + c], 0);
        if (alpha === 255) assert.ok(Math.abs(out[p * 3 + c] - rgba[p * 4 + c] / 255) < 1e-6);
      }
      if (alpha === 0) transparent++;
      if (alpha === 255) opaque++;
    }
    assert.ok(transparent > 10000 && opaque > 10000, `${transparent} transparent, ${opaque} opaque pixels`);
    // synthetic: left half opaque white, right half transparent white → right half black
    const synthetic = Buffer.alloc(8 * 8 * 4);
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 8; x++) synthetic.set([255, 255, 255, x < 4 ? 255 : 0], (y * 8 + x) * 4);
    const small = await decodeToTensor(
      await sharp(synthetic, { raw: { width: 8, height: 8, channels: 4 } })
        .png()
        .toBuffer(),
      8,
    );
    assert.deepEqual([...small.subarray(0, 3)], [1, 1, 1]);
    assert.deepEqual([...small.subarray(7 * 3, 8 * 3)], [0, 0, 0]);
  });

  it('expands greyscale to RGB', async () => {
    const grey = Buffer.from(Array.from({ length: 16 }, (_, i) => i * 16));
    const bytes = await sharp(grey, { raw: { width: 4, height: 4, channels: 1 } })
      .png()
      .toBuffer();
    const out = await decodeToTensor(bytes, 4);
    assert.equal(out.length, 4 * 4 * 3);
    for (let p = 0; p < 16; p++) {
      assert.equal(out[p * 3], out[p * 3 + 1]);
      assert.equal(out[p * 3], out[p * 3 + 2]);
      assert.ok(Math.abs(out[p * 3] - (p * 16) / 255) < 0.02, `pixel ${p}: ${out[p * 3]}`);
    }
  });

  it('every GIBS blank tile decodes to a blank image; real tiles with black no-data areas do not', async () => {
    for (const file of blanks) assert.ok(isBlankImage(await decodeToTensor(await readFile(file), 32)), file);
    for (const file of [tiles.pace, tiles.goesPng, tiles.geo11, tiles.marble(0, 0, 0)])
      assert.ok(!isBlankImage(await decodeToTensor(await readFile(file), 32)), file);
  });

  it("non-square scenes: 'cover' keeps the centre undistorted, 'fill' stretches", async () => {
    const bytes = await readFile(kit('labeled/high_latitude_dust/hld_sample.jpg')); // 221 x 673
    const cover = await decodeToTensor(bytes, 32);
    const fill = await decodeToTensor(bytes, 32, { fit: 'fill' });
    const centre = await decodeToTensor(
      await sharp(bytes).extract({ left: 0, top: 226, width: 221, height: 221 }).png().toBuffer(),
      32,
    );
    assert.ok(meanAbsDiff(cover, centre) < 0.02, `cover vs centre crop ${meanAbsDiff(cover, centre)}`);
    assert.ok(meanAbsDiff(cover, fill) > meanAbsDiff(cover, centre));
  });

  it('refuses undecodable bytes with UNDECODABLE (not retriable): garbage, empty, truncated JPEG', async () => {
    const tile = await readFile(tiles.geo10);
    await assert.rejects(decodeToTensor(new TextEncoder().encode('definitely not an image'), 64), isUndecodable);
    await assert.rejects(decodeToTensor(new Uint8Array(0), 64), isUndecodable);
    await assert.rejects(decodeToTensor(tile.subarray(0, tile.length >> 1), 64), isUndecodable);
    const damaged = Buffer.from(tile);
    damaged.fill(0xff, 20, 400); // wipe the quantisation and Huffman tables
    await assert.rejects(decodeToTensor(damaged, 64), isUndecodable);
  });

  it('refuses a bad size', async () => {
    const tile = await readFile(tiles.geo10);
    await assert.rejects(decodeToTensor(tile, 0), /size/);
    await assert.rejects(decodeToTensor(tile, 12.5), /size/);
  });
});
