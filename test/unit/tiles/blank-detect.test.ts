import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { AppError, errorCodes } from '../../../shared/errors/index.js';
import { decodeImageInfo, inspectImage, isBlankImage } from '../../../shared/tiles/index.js';
import { kit } from '../../support/data-kit.js';

const dataDir = kit();

async function filesUnder(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true, withFileTypes: true });
  return names
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name))
    .sort();
}

const undecodable = (e: unknown): boolean =>
  e instanceof AppError && e.code === errorCodes.undecodable && e.retriable === false;

/** A 512x512 image of `channels` bands, all zero except `lit` pixels set to `value`. */
function rawImage(channels: 1 | 2 | 3 | 4, lit: Array<[number, number]>, value: number[], base: number[] = []): Buffer {
  const px = Buffer.alloc(512 * 512 * channels);
  if (base.length) for (let i = 0; i < 512 * 512; i++) base.forEach((v, c) => (px[i * channels + c] = v));
  for (const [x, y] of lit) value.forEach((v, c) => (px[(y * 512 + x) * channels + c] = v));
  return px;
}

async function png(
  channels: 1 | 2 | 3 | 4,
  lit: Array<[number, number]>,
  value: number[],
  base: number[] = [],
): Promise<Uint8Array> {
  return sharp(rawImage(channels, lit, value, base), { raw: { width: 512, height: 512, channels } })
    .png()
    .toBuffer();
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A 16-bit RGB PNG written by hand: sharp cannot be asked to keep a value below 1/255 when encoding. */
function png16(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const chunk = (type: string, body: Buffer): Buffer => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length);
    const typed = Buffer.concat([Buffer.from(type, 'ascii'), body]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([head, typed, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([16, 2, 0, 0, 0], 8); // bit depth 16, colour type RGB
  const rows = Buffer.alloc(height * (1 + width * 6));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      pixel(x, y).forEach((v, c) => rows.writeUInt16BE(v, y * (1 + width * 6) + 1 + x * 6 + c * 2));
    }
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('blank tile detection', () => {
  it('finds every GIBS blank tile blank', async () => {
    const files = await filesUnder(path.join(dataDir, 'gibs/blank'));
    assert.equal(files.length, 8);
    for (const f of files) {
      assert.equal(await isBlankImage(await readFile(f)), true, path.basename(f));
    }
  });

  it('finds no real tile blank, including PACE / GOES with large black no-data areas', async () => {
    const files = await filesUnder(path.join(dataDir, 'gibs/tiles'));
    assert.equal(files.length, 9);
    for (const f of files) {
      const r = await inspectImage(await readFile(f));
      assert.equal(r.blank, false, path.basename(f));
      assert.equal(r.width, 512);
      assert.equal(r.height, 512);
    }
  });

  it('gives the same answer on the fast path (no metadata) as inspectImage, and handles other formats', async () => {
    const files = [
      ...(await filesUnder(path.join(dataDir, 'gibs/blank'))),
      ...(await filesUnder(path.join(dataDir, 'gibs/tiles'))),
    ];
    for (const f of files) {
      const bytes = await readFile(f);
      assert.equal(await isBlankImage(bytes), (await inspectImage(bytes)).blank, path.basename(f));
    }
    const webp = (px: Buffer): Promise<Buffer> =>
      sharp(px, { raw: { width: 512, height: 512, channels: 4 } })
        .webp({ lossless: true })
        .toBuffer();
    const blankWebp = await webp(rawImage(4, [], []));
    const litWebp = await webp(rawImage(4, [[17, 300]], [0, 0, 3, 255]));
    assert.deepEqual(await inspectImage(blankWebp), {
      format: 'webp',
      width: 512,
      height: 512,
      channels: 4,
      blank: true,
    });
    assert.equal(await isBlankImage(litWebp), false);
  });

  it('reports format, size and stored channels', async () => {
    const read = (p: string): Promise<Buffer> => readFile(path.join(dataDir, p));
    assert.deepEqual(await decodeImageInfo(await read('gibs/blank/Blank_RGBA_512.png')), {
      format: 'png',
      width: 512,
      height: 512,
      channels: 4,
    });
    assert.deepEqual(await decodeImageInfo(await read('gibs/blank/Blank_RGB_256_ZEN.jpg')), {
      format: 'jpeg',
      width: 256,
      height: 256,
      channels: 1,
    });
    assert.deepEqual(
      await decodeImageInfo(
        await read('gibs/tiles/epsg3413/MODIS_Terra_CorrectedReflectance_TrueColor/default/2017-09-05/250m/0/0/0.jpg'),
      ),
      { format: 'jpeg', width: 512, height: 512, channels: 4 }, // CMYK JPEG
    );
  });

  it('counts a single lit pixel, whatever the band layout', async () => {
    const corners: Array<[number, number]> = [[511, 511]];
    assert.equal(
      await isBlankImage(await png(3, corners, [0, 0, 1])),
      false,
      'RGB, one pixel blue=1 in the last corner',
    );
    assert.equal(await isBlankImage(await png(3, [[0, 0]], [1, 0, 0])), false, 'RGB, first pixel');
    assert.equal(await isBlankImage(await png(1, [[300, 7]], [1])), false, 'grey');
    assert.equal(await isBlankImage(await png(4, corners, [0, 1, 0, 1])), false, 'RGBA nearly transparent green');
    assert.equal(await isBlankImage(await png(2, corners, [1, 1])), false, 'grey + alpha');
    assert.equal(await isBlankImage(await png(3, [], [])), true, 'RGB all black');
    assert.equal(await isBlankImage(await png(4, [], [], [0, 0, 0, 255])), true, 'RGBA opaque black');
    // Colour under full transparency is invisible: still blank (the MOG13Q4 blank looks like this).
    assert.equal(await isBlankImage(await png(4, [], [], [200, 30, 7, 0])), true, 'RGBA coloured but transparent');
    assert.equal(
      await isBlankImage(await png(4, corners, [0, 0, 0, 255], [200, 30, 7, 0])),
      true,
      'one opaque black pixel',
    );
    assert.equal(
      await isBlankImage(await png(4, corners, [9, 0, 0, 255], [200, 30, 7, 0])),
      false,
      'one opaque red pixel',
    );
  });

  it('counts a faint value in a 16-bit PNG', async () => {
    const faint = png16(64, 64, (x, y) => (x === 63 && y === 63 ? [0, 0, 1] : [0, 0, 0])); // 1/65535: 0 in 8 bits
    assert.equal((await sharp(faint).metadata()).depth, 'ushort');
    assert.equal(await isBlankImage(faint), false);
    assert.equal(await isBlankImage(png16(64, 64, () => [0, 0, 0])), true);
    assert.equal(await isBlankImage(png16(64, 64, (x) => (x === 5 ? [0, 0, 40000] : [0, 0, 0]))), false);
  });

  it('keeps a small lit area of a real tile (no decode at reduced size)', async () => {
    const real = await readFile(path.join(dataDir, 'gibs/tiles/other/OCI_PACE_True_Color_2024-05-31_L2_r0_c0.jpg'));
    const { data, info } = await sharp(real).raw().toBuffer({ resolveWithObject: true });
    // Black out everything but one 1x1 non-black pixel.
    let keep = -1;
    for (let i = 0; i < data.length; i += info.channels)
      if (keep < 0 && data[i] + data[i + 1] + data[i + 2] > 0) keep = i;
    assert.ok(keep >= 0);
    const masked = Buffer.alloc(data.length);
    data.copy(masked, keep, keep, keep + info.channels);
    const lossless = await sharp(masked, { raw: { width: info.width, height: info.height, channels: info.channels } })
      .png()
      .toBuffer();
    assert.equal(await isBlankImage(lossless), false);
    // A JPEG with one bright 8x8 block on black survives compression as non-blank too.
    const block = rawImage(
      3,
      Array.from({ length: 64 }, (_, i): [number, number] => [400 + (i % 8), 96 + Math.floor(i / 8)]),
      [255, 255, 255],
    );
    assert.equal(
      await isBlankImage(
        await sharp(block, { raw: { width: 512, height: 512, channels: 3 } })
          .jpeg({ quality: 90 })
          .toBuffer(),
      ),
      false,
    );
  });

  it('throws UNDECODABLE (not retriable) for truncated, garbage and empty bytes', async () => {
    const jpg = await readFile(path.join(dataDir, 'gibs/tiles/other/GOES-East_B13_2021-04-10_512.jpg'));
    const pngBytes = await readFile(path.join(dataDir, 'gibs/tiles/other/GOES-East_B13_2021-04-10_512.png'));
    const blankJpg = await readFile(path.join(dataDir, 'gibs/blank/Blank_RGB_512.jpg'));
    const cases: Record<string, Uint8Array> = {
      'jpeg cut in half': jpg.subarray(0, Math.floor(jpg.length / 2)),
      'jpeg missing its last bytes': jpg.subarray(0, jpg.length - 200),
      'blank jpeg cut': blankJpg.subarray(0, 1000),
      'png cut in half': pngBytes.subarray(0, Math.floor(pngBytes.length / 2)),
      'png header only': pngBytes.subarray(0, 40),
      garbage: new Uint8Array(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)),
      html: new TextEncoder().encode('<html><body>503 Service Unavailable</body></html>'),
      empty: new Uint8Array(0),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      await assert.rejects(isBlankImage(bytes), undecodable, name);
      await assert.rejects(decodeImageInfo(bytes), undecodable, name);
    }
  });

  it('takes a few milliseconds per 512 px tile (measured, reported)', async (t) => {
    const samples = {
      'real jpeg': await readFile(
        path.join(
          dataDir,
          'gibs/tiles/epsg4326/MODIS_Terra_CorrectedReflectance_TrueColor/default/2016-01-24/250m/5/5/10.jpg',
        ),
      ),
      'real rgba png': await readFile(path.join(dataDir, 'gibs/tiles/other/GOES-East_B13_2021-04-10_512.png')),
      'blank jpeg': await readFile(path.join(dataDir, 'gibs/blank/Blank_RGB_512.jpg')),
      'blank rgba png': await readFile(path.join(dataDir, 'gibs/blank/Blank_RGBA_512.png')),
    };
    for (const [name, bytes] of Object.entries(samples)) {
      for (let i = 0; i < 5; i++) await isBlankImage(bytes);
      const n = 40;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await isBlankImage(bytes);
      const ms = (performance.now() - t0) / n;
      t.diagnostic(`isBlankImage ${name}: ${ms.toFixed(2)} ms/tile`);
      assert.ok(ms < 250, `${name} took ${ms} ms`); // only catches pathologies; the 2-core machine is shared
    }
  });
});
