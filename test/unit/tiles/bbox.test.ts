import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Bbox, clampBbox, crossesAntimeridian, splitAntimeridian, tileBbox, tileCenter, validateBbox } from '../../../shared/tiles/index.js';

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
});
