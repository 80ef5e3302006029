import assert from 'node:assert/strict';
import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AppError } from '../../../shared/errors/index.js';
import {
  type Bbox,
  MAX_MERCATOR_LAT,
  decodeImageInfo,
  lonLatToMercatorTile,
  mercatorTileBbox,
  mercatorTilesCovering,
} from '../../../shared/tiles/index.js';
import { kit } from '../../support/data-kit.js';

const dataDir = kit();

function hasCode(code: string) {
  return (e: unknown): boolean => e instanceof AppError && e.code === code;
}

const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;

describe('web-mercator XYZ tiles', () => {
  it('gives standard tile extents (y from the north)', () => {
    const z0 = mercatorTileBbox(0, 0, 0);
    assert.deepEqual([z0[0], z0[2]], [-180, 180]);
    assert.ok(close(z0[3], 85.0511287798066) && close(z0[1], -85.0511287798066));
    const b = mercatorTileBbox(1, 1, 0);
    assert.deepEqual([b[0], b[2]], [0, 180]);
    assert.ok(close(b[1], 0) && close(b[3], MAX_MERCATOR_LAT));
    // San Francisco at z4 is x=2, y=6 (standard slippy-map numbering).
    assert.deepEqual(lonLatToMercatorTile(-122.42, 37.77, 4), { z: 4, x: 2, y: 6 });
    assert.deepEqual(lonLatToMercatorTile(-122.42, 37.77, 10), { z: 10, x: 163, y: 395 });
  });

  it('clamps latitudes beyond the mercator range to the edge rows', () => {
    assert.deepEqual(lonLatToMercatorTile(0, 90, 3), { z: 3, x: 4, y: 0 });
    assert.deepEqual(lonLatToMercatorTile(0, -90, 3), { z: 3, x: 4, y: 7 });
    assert.deepEqual(lonLatToMercatorTile(180, -90, 3), { z: 3, x: 7, y: 7 });
  });

  it('refuses bad tiles and points', () => {
    assert.throws(() => mercatorTileBbox(2, 4, 0), hasCode('TILE_OUT_OF_RANGE'));
    assert.throws(() => mercatorTileBbox(2, 0, -1), hasCode('TILE_OUT_OF_RANGE'));
    assert.throws(() => mercatorTileBbox(-1, 0, 0), hasCode('TILE_OUT_OF_RANGE'));
    assert.throws(() => lonLatToMercatorTile(200, 0, 2), hasCode('BAD_BBOX'));
    assert.throws(() => mercatorTilesCovering([0, 10, 5, 0], 2), hasCode('BAD_BBOX'));
  });

  it('covers the world with every Blue Marble sample tile of levels 0-4', async () => {
    for (let z = 0; z <= 4; z++) {
      const tiles = mercatorTilesCovering([-180, -90, 180, 90], z);
      assert.equal(tiles.length, 4 ** z);
      const files = (await readdir(path.join(dataDir, 'bluemarble', String(z)), { recursive: true })).filter((f) => f.endsWith('.jpg'));
      assert.equal(files.length, 4 ** z);
      for (const t of tiles) await access(path.join(dataDir, 'bluemarble', String(z), String(t.x), `${t.y}.jpg`));
    }
    const info = await decodeImageInfo(
      new Uint8Array(await import('node:fs/promises').then((fs) => fs.readFile(path.join(dataDir, 'bluemarble/2/1/1.jpg')))),
    );
    assert.deepEqual(info, { format: 'jpeg', width: 256, height: 256, channels: 3 });
  });

  it('splits a box crossing the antimeridian', () => {
    assert.deepEqual(mercatorTilesCovering([170, 1, -170, 10], 2), [
      { z: 2, x: 3, y: 1 },
      { z: 2, x: 0, y: 1 },
    ]);
  });

  const lonArb = fc.double({ min: -180, max: 180, noNaN: true });
  const latArb = fc.double({ min: -90, max: 90, noNaN: true });

  it('property: the tile found for a point contains it (latitude clamped)', () => {
    fc.assert(
      fc.property(lonArb, latArb, fc.integer({ min: 0, max: 18 }), (lon, lat, z) => {
        const t = lonLatToMercatorTile(lon, lat, z);
        const b = mercatorTileBbox(z, t.x, t.y);
        const clat = Math.max(-MAX_MERCATOR_LAT, Math.min(MAX_MERCATOR_LAT, lat));
        return b[0] <= lon && lon <= b[2] && b[1] <= clat && clat <= b[3];
      }),
      { numRuns: 2000 },
    );
  });

  it('property: tile → extent centre → tile round-trips', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 18 }), fc.nat(), fc.nat(), (z, a, b) => {
        const n = 2 ** z;
        const x = a % n;
        const y = b % n;
        const box = mercatorTileBbox(z, x, y);
        const t = lonLatToMercatorTile((box[0] + box[2]) / 2, (box[1] + box[3]) / 2, z);
        return t.x === x && t.y === y;
      }),
      { numRuns: 1000 },
    );
  });

  it('property: covering tiles hold every point of the box and overlap it', () => {
    const boxArb = fc
      .tuple(lonArb, lonArb, fc.double({ min: -85, max: 85, noNaN: true }), fc.double({ min: -85, max: 85, noNaN: true }))
      .filter(([a, b, c, d]) => a !== b && c !== d)
      .map(([a, b, c, d]): Bbox => [a, Math.min(c, d), b, Math.max(c, d)]);
    fc.assert(
      fc.property(boxArb, fc.integer({ min: 0, max: 6 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (box, z, u, v) => {
        const tiles = mercatorTilesCovering(box, z);
        const width = box[0] <= box[2] ? box[2] - box[0] : 360 - box[0] + box[2];
        let lon = box[0] + u * width;
        if (lon > 180) lon -= 360;
        const lat = box[1] + v * (box[3] - box[1]);
        const holds = tiles.some((t) => {
          const b = mercatorTileBbox(t.z, t.x, t.y);
          return b[0] <= lon && lon <= b[2] && b[1] <= lat && lat <= b[3];
        });
        const parts: Bbox[] = box[0] <= box[2] ? [box] : [[box[0], box[1], 180, box[3]], [-180, box[1], box[2], box[3]]];
        const overlap = tiles.every((t) => {
          const b = mercatorTileBbox(t.z, t.x, t.y);
          return parts.some((p) => b[0] <= p[2] && p[0] <= b[2] && b[1] < p[3] && p[1] < b[3] && (p[0] === p[2] || (b[0] < p[2] && p[0] < b[2])));
        });
        return holds && overlap;
      }),
      { numRuns: 500 },
    );
  });
});
