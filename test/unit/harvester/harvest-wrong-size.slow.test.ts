import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { AppError } from '../../../shared/errors/index.js';
import { inspectImage, isBlankImage, tilesErrorCodes } from '../../../shared/tiles/index.js';
import type { HarvestRequest } from '../../../services/harvester/index.js';
import { startReplayServer, type ReplayServer } from '../../../services/replay/index.js';
import {
  openHarness,
  readFetched,
  removeDir,
  sharedCapabilities,
  type Harness,
} from '../../support/harvester-harness.js';
import { kit } from '../../support/data-kit.js';

/**
 * A hostile or broken server that answers with valid images of the wrong size: none is a GIBS tile, so none
 * may be stored or produced, and a huge one must be refused from its header, before any pixel is decoded.
 */
const dataDir = kit();
const MODIS = 'MODIS_Terra_CorrectedReflectance_TrueColor';
const mosaicZ2: HarvestRequest = { layer: MODIS, from: '2020-09-27', to: '2020-09-27', levels: [2] }; // 5 × 3 tiles
const isWrongSize = (e: unknown): boolean =>
  e instanceof AppError && e.code === tilesErrorCodes.wrongTileSize && !e.retriable;

async function storedKeys(h: Harness): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of h.blobs.list('')) keys.push(key);
  return keys;
}

describe('harvester: tiles of the wrong size', () => {
  const dirs: string[] = [];
  let clean: ReplayServer;
  let caps: ReturnType<typeof sharedCapabilities>;
  before(async () => {
    clean = await startReplayServer({ dataDir });
    caps = sharedCapabilities(clean.url);
  });
  after(async () => {
    await caps.close();
    await clean.close();
    for (const dir of dirs) await removeDir(dir);
  });

  it('fails every tile of a server answering 64×64 JPEGs: nothing stored, nothing produced, no retry', async () => {
    const small = await startReplayServer({ dataDir, faults: { wrongSizeRate: 1, wrongSizePx: 64 } });
    const h = await openHarness(small.url, { capabilities: caps.cache });
    dirs.push(h.dir);
    try {
      const run = await h.harvester.harvest(mosaicZ2);
      assert.deepEqual([run.tiles, run.fetched, run.blank, run.failed], [15, 0, 0, 15]);
      assert.deepEqual([...new Set(run.failures.map((f) => f.code))], ['WRONG_TILE_SIZE']);
      assert.match(run.failures[0]!.reason, /64×64.*512×512/);
      assert.equal(small.stats().tileRequests, 15, 'a wrong size is not retried');
      assert.deepEqual(await readFetched(h.bus), []);
      assert.deepEqual(await storedKeys(h), []);
      assert.deepEqual(await h.ledger.counts(), { produced: 0, blank: 0, failed: 15 });
    } finally {
      await h.close();
      await small.close();
    }
  });

  it('refuses one 16000×16000 JPEG from its header: the rest is harvested, memory stays flat', async () => {
    clean.faultTile('2/1/2', { kind: 'wrong-size', width: 16_000, height: 16_000 });
    // the replay takes seconds to encode it once (then keeps it): not the harvester's time to wait
    const url = `${clean.url}/wmts/epsg4326/best/${MODIS}/default/2020-09-27/250m/2/1/2.jpg`;
    assert.equal((await fetch(url).then((r) => r.arrayBuffer())).byteLength > 100_000, true);
    const h = await openHarness(clean.url, { capabilities: caps.cache });
    dirs.push(h.dir);
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    try {
      const base = process.memoryUsage().rss;
      const run = await h.harvester.harvest(mosaicZ2);
      clearInterval(sampler);
      assert.deepEqual([run.fetched, run.failed], [14, 1]);
      assert.deepEqual(
        run.failures.map((f) => [f.tile, f.code]),
        [[`${MODIS}/2020-09-27/250m/2/1/2`, 'WRONG_TILE_SIZE']],
      );
      assert.equal((await readFetched(h.bus)).length, 14);
      assert.equal((await storedKeys(h)).length, 14);
      // a full decode would be 16000² × 3 bytes = 768 MB; the server's own JPEG encoder streams in strips
      const grew = (peak - base) / 2 ** 20;
      assert.ok(grew < 300, `RSS grew by ${grew.toFixed(0)} MB while harvesting`);
    } finally {
      clearInterval(sampler);
      clean.faultTile('2/1/2', undefined);
      await h.close();
    }
  });

  it('inspectImage checks the expected size from the header and bounds the pixels it decodes', async () => {
    const jpeg = (w: number, h: number) =>
      sharp({ create: { width: w, height: h, channels: 3, background: { r: 9, g: 9, b: 9 } } })
        .jpeg()
        .toBuffer();
    const tile = await jpeg(512, 512);
    assert.deepEqual(await inspectImage(tile, { expectSize: { width: 512, height: 512 } }), {
      format: 'jpeg',
      width: 512,
      height: 512,
      channels: 3,
      blank: false,
    });
    await assert.rejects(inspectImage(await jpeg(512, 256), { expectSize: { width: 512, height: 512 } }), isWrongSize);
    // no expected size: still bounded, by maxPixels (default 4096², far above any tile)
    const isTooLarge = (e: unknown) =>
      e instanceof AppError && e.code === tilesErrorCodes.imageTooLarge && !e.retriable;
    await assert.rejects(inspectImage(await jpeg(600, 600), { maxPixels: 512 * 512 }), isTooLarge);
    // isBlankImage's fast path reads no header before decoding: libvips's own bound stops it, named the same way
    await assert.rejects(isBlankImage(await jpeg(600, 600), { maxPixels: 512 * 512 }), isTooLarge);
    assert.equal(await isBlankImage(await jpeg(600, 600)), false);
    assert.equal((await inspectImage(await jpeg(600, 600))).width, 600);
  });
});
