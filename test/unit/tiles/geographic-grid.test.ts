import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AppError } from '../../../shared/errors/index.js';
import {
  type Bbox,
  TILE_SIZE,
  clampBbox,
  degreesPerPixel,
  matrixSize,
  tileAt,
  tileBbox,
  tileSpanDegrees,
  tilesCovering,
} from '../../../shared/tiles/index.js';

function hasCode(code: string) {
  return (e: unknown): boolean => e instanceof AppError && e.code === code && e.retriable === false;
}

const inside = (b: Bbox, lon: number, lat: number): boolean => b[0] <= lon && lon <= b[2] && b[1] <= lat && lat <= b[3];

/** Interiors overlap (touching edges do not count). */
const overlaps = (a: Bbox, b: Bbox): boolean => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];

const lonArb = fc.double({ min: -180, max: 180, noNaN: true });
const latArb = fc.double({ min: -90, max: 90, noNaN: true });
const levelArb = fc.integer({ min: 0, max: 8 });
/** A valid bbox; minLon > maxLon (antimeridian crossing) is generated too. */
const bboxArb = fc
  .tuple(lonArb, lonArb, latArb, latArb)
  .filter(([a, b, c, d]) => a !== b && c !== d)
  .map(([a, b, c, d]): Bbox => [a, Math.min(c, d), b, Math.max(c, d)]);

describe('GIBS EPSG:4326 grid', () => {
  it('has the documented resolution, span and matrix sizes', () => {
    assert.equal(TILE_SIZE, 512);
    assert.equal(degreesPerPixel(0), 0.5625);
    assert.equal(degreesPerPixel(5), 0.017578125);
    assert.equal(tileSpanDegrees(0), 288);
    assert.equal(tileSpanDegrees(5), 9);
    const expected = [
      [2, 1],
      [3, 2],
      [5, 3],
      [10, 5],
      [20, 10],
      [40, 20],
      [80, 40],
      [160, 80],
      [320, 160],
      [640, 320],
      [1280, 640],
      [2560, 1280],
      [5120, 2560],
    ];
    expected.forEach(([cols, rows], z) => assert.deepEqual(matrixSize(z), { cols, rows }, `level ${z}`));
  });

  it('gives the extent of the real sample tile 250m/5/5/10 (lon -90..-81, lat 36..45)', () => {
    assert.deepEqual(tileBbox(5, 5, 10), [-90, 36, -81, 45]);
    assert.deepEqual(tileBbox(5, 5, 11), [-81, 36, -72, 45]);
  });

  it('reports the true extent of edge tiles and clamps it on request', () => {
    assert.deepEqual(tileBbox(0, 0, 1), [108, -198, 396, 90]);
    assert.deepEqual(clampBbox(tileBbox(0, 0, 1)), [108, -90, 180, 90]);
    assert.deepEqual(tileBbox(1, 1, 2), [108, -198, 252, -54]);
    assert.deepEqual(clampBbox(tileBbox(1, 1, 2)), [108, -90, 180, -54]);
    // Level 3 divides the world exactly: no overhang.
    assert.deepEqual(tileBbox(3, 4, 9), [144, -90, 180, -54]);
  });

  it('refuses tiles outside the matrix', () => {
    assert.throws(() => tileBbox(0, 1, 0), hasCode('TILE_OUT_OF_RANGE'));
    assert.throws(() => tileBbox(0, 0, 2), hasCode('TILE_OUT_OF_RANGE'));
    assert.throws(() => tileBbox(2, -1, 0), hasCode('TILE_OUT_OF_RANGE'));
    assert.throws(() => tileBbox(2, 0.5, 0), hasCode('TILE_OUT_OF_RANGE'));
    assert.throws(() => tileBbox(-1, 0, 0), hasCode('TILE_OUT_OF_RANGE'));
    assert.throws(() => matrixSize(1.5), hasCode('TILE_OUT_OF_RANGE'));
  });

  it('finds the tile holding a point, edges and corners included', () => {
    assert.deepEqual(tileAt(-85, 40, 5), { z: 5, row: 5, col: 10 });
    assert.deepEqual(tileAt(-180, 90, 3), { z: 3, row: 0, col: 0 });
    assert.deepEqual(tileAt(180, -90, 3), { z: 3, row: 4, col: 9 });
    assert.deepEqual(tileAt(180, -90, 0), { z: 0, row: 0, col: 1 });
    // On a shared edge the east / south tile wins.
    assert.deepEqual(tileAt(-90, 36, 5), { z: 5, row: 6, col: 10 });
    assert.throws(() => tileAt(181, 0, 3), hasCode('BAD_BBOX'));
    assert.throws(() => tileAt(0, Number.NaN, 3), hasCode('BAD_BBOX'));
  });

  it('covers a box with exactly the tiles it overlaps', () => {
    assert.deepEqual(tilesCovering([-90, 36, -81, 45], 5), [{ z: 5, row: 5, col: 10 }]);
    assert.deepEqual(tilesCovering([-89, 37, -72, 44], 5), [
      { z: 5, row: 5, col: 10 },
      { z: 5, row: 5, col: 11 },
    ]);
    assert.equal(tilesCovering([-180, -90, 180, 90], 0).length, 2);
    assert.equal(tilesCovering([-180, -90, 180, 90], 3).length, 50);
    assert.equal(tilesCovering([-180, -90, 180, 90], 8).length, 320 * 160);
  });

  it('splits a box crossing the antimeridian', () => {
    assert.deepEqual(tilesCovering([170, -10, -170, 10], 3), [
      { z: 3, row: 2, col: 9 },
      { z: 3, row: 2, col: 0 },
    ]);
    // At level 1 the last column (108..252) overhangs 180 and is the same on both sides: listed once.
    const z1 = tilesCovering([170, 0, -170, 10], 1);
    assert.deepEqual(z1, [
      { z: 1, row: 0, col: 2 },
      { z: 1, row: 0, col: 0 },
    ]);
  });

  it('handles boxes touching the poles', () => {
    assert.deepEqual(tilesCovering([0, 80, 10, 90], 3), [{ z: 3, row: 0, col: 5 }]);
    assert.deepEqual(tilesCovering([0, -90, 10, -80], 3), [{ z: 3, row: 4, col: 5 }]);
    assert.deepEqual(tilesCovering([0, -90, 10, -80], 0), [{ z: 0, row: 0, col: 0 }]);
  });

  it('validates the box', () => {
    const bad: unknown[] = [
      [0, 10, 5, 5],
      [0, 5, 5, 5],
      [0, -91, 5, 5],
      [0, 0, 5, 91],
      [-181, 0, 5, 5],
      [0, 0, 180.5, 5],
      [Number.NaN, 0, 5, 5],
      [0, 0, Number.POSITIVE_INFINITY, 5],
      [3, 0, 3, 5],
      [0, 0, 5],
      'x',
    ];
    for (const b of bad) assert.throws(() => tilesCovering(b as Bbox, 3), hasCode('BAD_BBOX'), JSON.stringify(b));
  });

  it('property: every point of a box lies in some covering tile', () => {
    fc.assert(
      fc.property(
        bboxArb,
        levelArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (bbox, z, u, v) => {
          const width = bbox[0] <= bbox[2] ? bbox[2] - bbox[0] : 360 - bbox[0] + bbox[2];
          let lon = bbox[0] + u * width;
          if (lon > 180) lon -= 360;
          const lat = bbox[1] + v * (bbox[3] - bbox[1]);
          const tiles = tilesCovering(bbox, z);
          return tiles.some((t) => inside(tileBbox(t.z, t.row, t.col), lon, lat));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: every covering tile overlaps the box and none repeats', () => {
    fc.assert(
      fc.property(bboxArb, fc.integer({ min: 0, max: 6 }), (bbox, z) => {
        const parts: Bbox[] =
          bbox[0] <= bbox[2]
            ? [bbox]
            : [
                [bbox[0], bbox[1], 180, bbox[3]],
                [-180, bbox[1], bbox[2], bbox[3]],
              ];
        const tiles = tilesCovering(bbox, z);
        const keys = new Set(tiles.map((t) => `${t.row}/${t.col}`));
        assert.equal(keys.size, tiles.length);
        for (const t of tiles) {
          const tb = tileBbox(t.z, t.row, t.col);
          // A zero-width part (a crossing box starting at 180) has no interior: its edge tile must hold the line.
          const ok = parts.some((p) =>
            p[0] === p[2]
              ? tb[0] <= p[0] && p[0] <= tb[2] && overlaps([tb[0] - 1, tb[1], tb[2] + 1, tb[3]], p)
              : overlaps(tb, p),
          );
          assert.ok(ok, `tile ${t.row}/${t.col} ${tb} does not overlap ${bbox}`);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('property: a box whose edges lie on tile edges gets exactly the tiles inside, no touching neighbours', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 8 }), fc.nat(), fc.nat(), fc.nat(), fc.nat(), (z, a, b, c, d) => {
        const span = tileSpanDegrees(z);
        const lonCells = 360 / span; // integer from level 3 on
        const latCells = 180 / span;
        const [c0, c1] = [a % lonCells, b % lonCells].sort((x, y) => x - y);
        const [r0, r1] = [c % latCells, d % latCells].sort((x, y) => x - y);
        if (c0 === c1 || r0 === r1) return true;
        const bbox: Bbox = [-180 + c0 * span, 90 - r1 * span, -180 + c1 * span, 90 - r0 * span];
        const tiles = tilesCovering(bbox, z);
        assert.equal(tiles.length, (c1 - c0) * (r1 - r0));
        assert.ok(tiles.every((t) => t.col >= c0 && t.col < c1 && t.row >= r0 && t.row < r1));
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('property: the tile found for a point contains that point', () => {
    fc.assert(
      fc.property(lonArb, latArb, fc.integer({ min: 0, max: 12 }), (lon, lat, z) => {
        const t = tileAt(lon, lat, z);
        return inside(tileBbox(z, t.row, t.col), lon, lat);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: tile extents tile the world without gaps (neighbours share edges)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (z, u, v) => {
          const { cols, rows } = matrixSize(z);
          const col = Math.min(cols - 2, Math.floor(u * (cols - 1)));
          const row = Math.min(rows - 1, Math.floor(v * rows));
          if (col < 0) return true;
          assert.equal(tileBbox(z, row, col)[2], tileBbox(z, row, col + 1)[0]);
          if (row + 1 < rows) assert.equal(tileBbox(z, row, col)[1], tileBbox(z, row + 1, col)[3]);
          return true;
        },
      ),
    );
  });
});
