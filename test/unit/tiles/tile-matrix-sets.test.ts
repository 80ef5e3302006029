import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { AppError } from '../../../shared/errors/index.js';
import { parseCapabilities } from '../../../shared/gibs/index.js';
import { knownTileMatrixSets, matrixSize, tmsLevels } from '../../../shared/tiles/index.js';
import { kit } from '../../support/data-kit.js';

const dataDir = kit();

function hasCode(code: string) {
  return (e: unknown): boolean => e instanceof AppError && e.code === code && e.retriable === false;
}

describe('GIBS TileMatrixSets', () => {
  it('knows the level counts of the EPSG:4326 sets', () => {
    assert.deepEqual(Object.fromEntries(knownTileMatrixSets().map((n) => [n, tmsLevels(n)])), {
      '16km': 3,
      '2km': 6,
      '1km': 7,
      '500m': 8,
      '250m': 9,
      '31.25m': 12,
      '15.625m': 13,
    });
  });

  it('agrees with every TileMatrix of the real 2017 capabilities document', async () => {
    const xml = await readFile(
      path.join(dataDir, 'gibs/capabilities/epsg4326_best_WMTSCapabilities_2017-04-24.xml'),
      'utf8',
    );
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
});
