import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { categoricalScale, dateScale } from '../../../services/api/web/src/colour-scale.js';
import { BASE_LAYER, gibsTileGrid, gibsTileUrl, maxLevel } from '../../../services/api/web/src/gibs-tiles.js';
import { seededRandom, umapLayout } from '../../../services/api/web/src/umap-layout.js';

// The page's browser modules that need no DOM, run in Node: the GIBS tile geometry the map requests tiles by,
// the embedding view's colours and its seeded UMAP layout.

describe('web page: GIBS EPSG:4326 tile grid', () => {
  it("has GIBS's matrix sizes (z0 2×1, z1 3×2, z2 5×3, z3 10×5, z8 320×160) and stops at the set's deepest level", () => {
    const grid = gibsTileGrid('250m');
    const size = (z: number) => {
      const range = grid.getFullTileRange(z);
      assert.ok(range);
      return [range.getWidth(), range.getHeight()];
    };
    assert.deepEqual([0, 1, 2, 3, 8].map(size), [
      [2, 1],
      [3, 2],
      [5, 3],
      [10, 5],
      [320, 160],
    ]);
    assert.equal(grid.getMaxZoom(), 8);
    assert.equal(gibsTileGrid(BASE_LAYER.tms).getMaxZoom(), 7);
    assert.equal(maxLevel('31.25m'), 11);
    assert.equal(grid.getResolution(3), 0.5625 / 8);
    assert.equal(grid.getTileSize(0), 512);
    // Tile (z2, row 1, col 3) covers lon 36..108, lat -54..18: OL's [z, col, row] with rows counted down from 90°N.
    assert.deepEqual(grid.getTileCoordExtent([2, 3, 1]), [36, -54, 108, 18]);
  });

  it('builds the REST URLs of dated layers (.jpg) and of the static base map (no date, .jpeg)', () => {
    const dated = { layer: 'MODIS_Terra_CorrectedReflectance_TrueColor', tms: '250m', date: '2020-09-27' };
    assert.equal(
      gibsTileUrl('http://gibs.test/', dated, 2, 1, 3),
      'http://gibs.test/wmts/epsg4326/best/MODIS_Terra_CorrectedReflectance_TrueColor/default/2020-09-27/250m/2/1/3.jpg',
    );
    assert.equal(
      gibsTileUrl('http://gibs.test', { ...BASE_LAYER, date: null }, 0, 0, 1),
      'http://gibs.test/wmts/epsg4326/best/BlueMarble_ShadedRelief_Bathymetry/default/500m/0/0/1.jpeg',
    );
  });
});

describe('web page: embedding colours', () => {
  it('spreads dates by rank, oldest to newest, and gives each layer its own colour', () => {
    const dates = dateScale(['2016-01-24T00:00:00Z', '2020-09-20T00:00:00Z', '2020-09-27T00:00:00Z']);
    const colours = ['2016-01-24', '2020-09-20', '2020-09-27'].map((d) => dates.colour(d));
    assert.equal(new Set(colours).size, 3);
    assert.equal(colours[0], 'rgb(68,1,84)');
    assert.equal(colours[2], 'rgb(253,231,37)');
    assert.deepEqual(
      dates.legend.map((l) => l.label),
      ['2016-01-24', '2020-09-27 (3 days)'],
    );
    const layers = categoricalScale(['b', 'a', 'b']);
    assert.deepEqual(
      layers.legend.map((l) => l.label),
      ['a', 'b'],
    );
    assert.notEqual(layers.colour('a'), layers.colour('b'));
  });
});

describe('web page: UMAP layout', () => {
  // Two clusters of 30 unit vectors in 32 dimensions around two orthogonal directions.
  const clusters = () => {
    const random = seededRandom(7);
    return Array.from({ length: 60 }, (_, i) => {
      const v = Array.from({ length: 32 }, () => (random() - 0.5) * 0.3);
      v[i < 30 ? 0 : 1] += 1;
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    });
  };

  it('is seeded (the same layout twice), reports progress, and keeps the clusters apart', async () => {
    const progress: number[] = [];
    const a = await umapLayout(clusters(), (done) => progress.push(done));
    const b = await umapLayout(clusters(), () => undefined);
    assert.deepEqual(a, b);
    assert.equal(a.length, 60);
    assert.ok(a.every((p) => p.length === 2 && p.every(Number.isFinite)));
    assert.equal(progress.at(-1), 1);
    assert.ok(progress.every((p, i) => i === 0 || p >= progress[i - 1]));
    const centre = (pts: number[][]) => [0, 1].map((k) => pts.reduce((s, p) => s + p[k], 0) / pts.length);
    const spread = (pts: number[][], c: number[]) =>
      pts.reduce((s, p) => s + Math.hypot(p[0] - c[0], p[1] - c[1]), 0) / pts.length;
    const [ca, cb] = [centre(a.slice(0, 30)), centre(a.slice(30))];
    const between = Math.hypot(ca[0] - cb[0], ca[1] - cb[1]);
    const within = Math.max(spread(a.slice(0, 30), ca), spread(a.slice(30), cb));
    assert.ok(between > 2 * within, `clusters ${between.toFixed(2)} apart, spread ${within.toFixed(2)}`);
  });

  it('lays out fewer than 3 points on a line instead of failing', async () => {
    assert.deepEqual(await umapLayout([[1, 0]], () => undefined), [[0, 0]]);
    assert.deepEqual(await umapLayout([], () => undefined), []);
  });
});
