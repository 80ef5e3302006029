import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type Bbox,
  bboxesIntersect,
  clampBbox,
  crossesAntimeridian,
  splitAntimeridian,
  tileBbox,
  tileCenter,
  validateBbox,
} from '../../../shared/tiles/index.js';

describe('bbox helpers', () => {
  it('centres plain, crossing and overhanging boxes on valid points', () => {
    assert.deepEqual(tileCenter([-90, 36, -81, 45]), { lon: -85.5, lat: 40.5 });
    assert.deepEqual(tileCenter([170, -10, -170, 10]), { lon: -180, lat: 0 });
    assert.deepEqual(tileCenter([160, 0, -170, 10]), { lon: 175, lat: 5 });
    // Edge tile of level 0 reaches 396 E / 198 S: its centre is that of the valid part.
    assert.deepEqual(tileCenter(tileBbox(0, 0, 1)), { lon: 144, lat: 0 });
  });

  it('splits at the antimeridian', () => {
    assert.equal(crossesAntimeridian([170, 0, -170, 1]), true);
    assert.equal(crossesAntimeridian([-170, 0, 170, 1]), false);
    assert.deepEqual(splitAntimeridian([170, 0, -170, 1]), [
      [170, 0, 180, 1],
      [-180, 0, -170, 1],
    ]);
    assert.deepEqual(splitAntimeridian([-10, 0, 10, 1]), [[-10, 0, 10, 1]]);
  });

  it('clamps to the world', () => {
    assert.deepEqual(clampBbox([108, -198, 396, 90]), [108, -90, 180, 90]);
  });

  it('property: a valid box has a valid centre', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -180, max: 180, noNaN: true }),
        fc.double({ min: -180, max: 180, noNaN: true }),
        fc.double({ min: -90, max: 90, noNaN: true }),
        fc.double({ min: -90, max: 90, noNaN: true }),
        (a, b, c, d) => {
          if (a === b || c === d) return true;
          const box: Bbox = [a, Math.min(c, d), b, Math.max(c, d)];
          validateBbox(box);
          const { lon, lat } = tileCenter(box);
          // within the box (the midpoint of two adjacent doubles is one of them, so the bounds are inclusive)
          return lon >= -180 && lon < 180 + 1e-9 && lat >= box[1] && lat <= box[3];
        },
      ),
    );
  });

  it('intersects boxes across the antimeridian', () => {
    const pacific: Bbox = [170, -10, -170, 10];
    assert.equal(bboxesIntersect(pacific, [175, 0, 178, 5]), true, 'east part');
    assert.equal(bboxesIntersect(pacific, [-175, 0, -172, 5]), true, 'west part');
    assert.equal(bboxesIntersect([175, 0, 178, 5], pacific), true, 'either order');
    assert.equal(bboxesIntersect(pacific, [0, 0, 10, 5]), false, 'the far side of the world');
    // The naive test (minLon <= other maxLon, ...) says no to all three of these.
    assert.equal(bboxesIntersect(pacific, [-179, -5, 179, 5]), true, 'a box spanning almost the whole world');
    assert.equal(bboxesIntersect(pacific, [160, 0, -160, 5]), true, 'two crossing boxes');
    assert.equal(bboxesIntersect([-90, 0, -80, 10], [170, 0, -170, 10]), false);
    assert.equal(bboxesIntersect(pacific, [-170, 10, -160, 20]), true, 'touching corner');
    assert.equal(bboxesIntersect([170, 0, 180, 10], [-180, 0, -170, 10]), true, '180 E and 180 W are one meridian');
    assert.equal(bboxesIntersect(pacific, [175, 11, 178, 20]), false, 'latitudes apart');
  });

  it('property: two boxes intersect exactly when some point lies in both', () => {
    // Corners on a 15° grid, so a non-empty intersection (closed boxes) always holds a grid point.
    const lon = fc.integer({ min: -12, max: 12 }).map((k) => k * 15);
    const lat = fc.integer({ min: -6, max: 6 }).map((k) => k * 15);
    const box = fc
      .tuple(lon, lon, lat, lat)
      .filter(([a, b, c, d]) => a !== b && c !== d)
      .map(([a, b, c, d]): Bbox => [a, Math.min(c, d), b, Math.max(c, d)]);
    const inLon = (b: Bbox, x: number): boolean => (b[0] <= b[2] ? b[0] <= x && x <= b[2] : x >= b[0] || x <= b[2]);
    // 180 E and 180 W are the same points
    const contains = (b: Bbox, x: number, y: number): boolean =>
      b[1] <= y && y <= b[3] && (inLon(b, x) || (Math.abs(x) === 180 && inLon(b, -x)));
    fc.assert(
      fc.property(box, box, (a, b) => {
        let shared = false;
        for (let x = -180; x <= 180 && !shared; x += 15) {
          for (let y = -90; y <= 90 && !shared; y += 15) shared = contains(a, x, y) && contains(b, x, y);
        }
        assert.equal(bboxesIntersect(a, b), shared, `${JSON.stringify(a)} ${JSON.stringify(b)}`);
        assert.equal(bboxesIntersect(b, a), shared);
      }),
      { numRuns: 2000 },
    );
  });
});
