import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { AppError } from '../../../shared/errors/index.js';
import { parseCapabilities } from '../../../shared/gibs/index.js';
import {
  degreesPerPixel,
  knownTileMatrixSets,
  levelForResolution,
  matrixSize,
  tmsLevels,
  validateTile,
} from '../../../shared/tiles/index.js';
import { kit } from '../../support/data-kit.js';

const dataDir = kit();

function hasCode(code: string) {
  return (e: unknown): boolean => e instanceof AppError && e.code === code && e.retriable === false;
}

describe('GIBS TileMatrixSets', () => {
  it('knows the level counts of the EPSG:4326 sets', () => {
    assert.deepEqual(
      Object.fromEntries(knownTileMatrixSets().map((n) => [n, tmsLevels(n)])),
      { '16km': 3, '2km': 6, '1km': 7, '500m': 8, '250m': 9, '31.25m': 12, '15.625m': 13 },
    );
  });

  it('agrees with every TileMatrix of the real 2017 capabilities document', async () => {
    const xml = await readFile(path.join(dataDir, 'gibs/capabilities/epsg4326_best_WMTSCapabilities_2017-04-24.xml'), 'utf8');
    const caps = parseCapabilities(xml);
    assert.equal(caps.tileMatrixSets.size, knownTileMatrixSets().length);
    for (const set of caps.tileMatrixSets.values()) {
      assert.equal(tmsLevels(set.id), set.levels.length, set.id);
      set.levels.forEach((level, z) => {
        assert.equal(level.id, String(z));
        assert.deepEqual(matrixSize(z), { cols: level.matrixWidth, rows: level.matrixHeight }, `${set.id} level ${z}`);
        assert.equal(level.tileWidth, 512);
        assert.deepEqual(level.topLeftCorner, [-180, 90]);
      });
    }
  });

  it('refuses unknown set names', () => {
    for (const name of ['4km', '', '250M', 'constructor', '__proto__']) {
      assert.throws(() => tmsLevels(name), hasCode('UNKNOWN_TMS'), name);
    }
  });

  it('validates tiles against the set depth and the matrix', () => {
    validateTile('250m', 8, 159, 319);
    validateTile('2km', 5, 19, 39);
    validateTile('16km', 0, 0, 1);
    assert.throws(() => validateTile('2km', 6, 0, 0), hasCode('TILE_OUT_OF_RANGE'));
    assert.throws(() => validateTile('250m', 9, 0, 0), hasCode('TILE_OUT_OF_RANGE'));
    assert.throws(() => validateTile('250m', 8, 160, 0), hasCode('TILE_OUT_OF_RANGE'));
    assert.throws(() => validateTile('250m', 8, 0, 320), hasCode('TILE_OUT_OF_RANGE'));
    assert.throws(() => validateTile('250m', -1, 0, 0), hasCode('TILE_OUT_OF_RANGE'));
    assert.throws(() => validateTile('250m', 1.5, 0, 0), hasCode('TILE_OUT_OF_RANGE'));
    assert.throws(() => validateTile('250m', 2, 0, -1), hasCode('TILE_OUT_OF_RANGE'));
    assert.throws(() => validateTile('nope', 0, 0, 0), hasCode('UNKNOWN_TMS'));
  });

  it('picks the coarsest level at least as fine as asked, capped by the set', () => {
    assert.equal(levelForResolution(1), 0);
    assert.equal(levelForResolution(0.5625), 0);
    assert.equal(levelForResolution(0.5), 1);
    assert.equal(levelForResolution(0.017578125), 5);
    assert.equal(levelForResolution(0.02), 5);
    assert.equal(levelForResolution(0.017), 6);
    assert.equal(levelForResolution(1e-9), 12);
    assert.equal(levelForResolution(1e-9, '2km'), 5);
    assert.equal(levelForResolution(0.002, '250m'), 8);
    assert.equal(levelForResolution(0.002, '31.25m'), 9);
    for (let z = 0; z <= 8; z++) assert.equal(levelForResolution(degreesPerPixel(z), '250m'), z);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => levelForResolution(bad), hasCode('VALIDATION'), String(bad));
    }
    assert.throws(() => levelForResolution(0.1, 'nope'), hasCode('UNKNOWN_TMS'));
  });
});
