import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AppError } from '../../../../shared/errors/index.js';
import {
  maskEvalCells,
  EVAL_FRACTION,
  SPLIT_CELL_DEG,
  SPLIT_COLS,
  SPLIT_ROWS,
  bboxSplit,
  cellBBox,
  cellSplit,
  placeCell,
  placeSplit,
  splitCells,
  evalErrorCodes,
} from '../../../../shared/model/eval/index.js';
import type { Bbox } from '../../../../shared/tiles/index.js';

const isBadPlace = (e: unknown) => e instanceof AppError && e.code === evalErrorCodes.badPlace;

describe('place split', () => {
  it('partitions the world: every cell is on exactly one side, about EVAL_FRACTION of them eval', () => {
    const train = splitCells('train'),
      evalCells = splitCells('eval');
    assert.equal(train.length + evalCells.length, SPLIT_COLS * SPLIT_ROWS);
    const key = (c: { col: number; row: number }) => `${c.col},${c.row}`;
    const trainKeys = new Set(train.map(key));
    assert.ok(
      evalCells.every((c) => !trainKeys.has(key(c))),
      'a cell is on both sides',
    );
    const fraction = evalCells.length / (SPLIT_COLS * SPLIT_ROWS);
    assert.ok(Math.abs(fraction - EVAL_FRACTION) < 0.05, `eval fraction ${fraction}`);
    // both sides must reach every latitude band, or one side would be all polar / all tropical
    for (const cells of [train, evalCells]) assert.ok(new Set(cells.map((c) => c.row)).size >= SPLIT_ROWS - 2);
  });

  it('is a pure function of position (same answer every call, points agree with their cell)', () => {
    for (const c of splitCells('eval').concat(splitCells('train'))) {
      const [minLon, minLat, maxLon, maxLat] = c.bbox;
      const centre = placeSplit((minLon + maxLon) / 2, (minLat + maxLat) / 2);
      assert.equal(centre, c.split);
      assert.equal(placeSplit(minLon + 0.001, maxLat - 0.001), c.split);
      assert.equal(bboxSplit(c.bbox), c.split, 'a GIBS level-5 tile lies in one cell');
      assert.equal(cellSplit(c.col, c.row), c.split);
    }
    assert.deepEqual(placeCell(-180, 90), { col: 0, row: 0 });
    assert.deepEqual(placeCell(180, -90), { col: SPLIT_COLS - 1, row: SPLIT_ROWS - 1 });
  });

  it('calls a box touching cells of both sides mixed, and ignores a shared edge', () => {
    const evalCell = splitCells('eval').find((c) => c.col + 1 < SPLIT_COLS && cellSplit(c.col + 1, c.row) === 'train');
    assert.ok(evalCell, 'some eval cell has a train neighbour to the east');
    const [minLon, minLat, maxLon, maxLat] = evalCell.bbox;
    assert.equal(bboxSplit([minLon + 1, minLat + 1, maxLon + 1, maxLat - 1]), 'mixed');
    assert.equal(bboxSplit([minLon, minLat, maxLon, maxLat]), 'eval', 'the eastern edge is shared, not crossed');
    const east = cellBBox(evalCell.col + 1, evalCell.row);
    assert.equal(bboxSplit(east), 'train');
    // GIBS edge tiles reach past 180°E / 90°S: clipped to the world, not an error
    assert.ok(['train', 'eval', 'mixed'].includes(bboxSplit([171, -108, 189, -81])));
  });

  it('never lets a box called eval contain a train point', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -180, max: 170, noNaN: true }),
        fc.double({ min: -90, max: 80, noNaN: true }),
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (lon, lat, size, u, w) => {
          const box: Bbox = [lon, lat, Math.min(180, lon + size), Math.min(90, lat + size)];
          const s = bboxSplit(box);
          if (s === 'mixed') return;
          // a point strictly inside (a point on a cell edge belongs to the cell east/south of it by convention)
          const px = box[0] + (0.001 + 0.998 * u) * (box[2] - box[0]),
            py = box[1] + (0.001 + 0.998 * w) * (box[3] - box[1]);
          assert.equal(placeSplit(px, py), s);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses positions that are not degrees', () => {
    assert.throws(() => placeSplit(181, 0), isBadPlace);
    assert.throws(() => placeSplit(0, Number.NaN), isBadPlace);
    assert.throws(() => bboxSplit([10, 0, 5, 1]), isBadPlace);
    assert.throws(() => bboxSplit([190, 0, 200, 1]), isBadPlace);
    assert.throws(() => cellSplit(SPLIT_COLS, 0), isBadPlace);
  });
});

describe('maskEvalCells', () => {
  const evalCell = splitCells('eval')[10];
  const trainCell = splitCells('train')[10];

  it('blacks out exactly the held-out cells of an image spanning two cells (no margin)', () => {
    // two neighbouring cells on different sides of the split, 18 px per cell
    let col = 0,
      row = 0;
    while (cellSplit(col, row) === cellSplit(col + 1, row)) {
      col++;
      if (col === SPLIT_COLS - 1) [col, row] = [0, row + 1];
    }
    const splits = [cellSplit(col, row), cellSplit(col + 1, row)];
    const w = 36,
      h = 18;
    const [minLon, minLat, , maxLat] = cellBBox(col, row);
    const bbox: [number, number, number, number] = [minLon, minLat, minLon + 2 * SPLIT_CELL_DEG, maxLat];
    const image = new Float32Array(w * h * 3).fill(0.5);
    assert.equal(maskEvalCells(image, w, h, bbox, 0), 0.5);
    for (let x = 0; x < w; x++) {
      const inEval = splits[x < 18 ? 0 : 1] === 'eval';
      assert.equal(image[(5 * w + x) * 3], inEval ? 0 : 0.5, `pixel ${x}`);
    }
    // with a margin, the train side loses the columns next to the border
    const dilated = new Float32Array(w * h * 3).fill(0.5);
    assert.equal(maskEvalCells(dilated, w, h, bbox, 2), 20 / 36);
  });

  it('masks nothing inside a train cell, everything inside an eval cell, and dilates by the margin', () => {
    const inside = (cell: { bbox: [number, number, number, number] }) => {
      const image = new Float32Array(8 * 8 * 3).fill(1);
      return { share: maskEvalCells(image, 8, 8, cell.bbox), image };
    };
    assert.equal(inside(trainCell).share, 0);
    assert.equal(inside(evalCell).share, 1);
    assert.ok(inside(evalCell).image.every((v) => v === 0));
    // a box straddling the world's southern edge: the part past -90 counts as held out
    const image = new Float32Array(10 * 10 * 3).fill(1);
    const share = maskEvalCells(image, 10, 10, [0, -99, 9, -81], 0);
    assert.ok(share >= 0.5);
  });

  it('refuses an image whose size does not match', () => {
    assert.throws(() => maskEvalCells(new Float32Array(10), 2, 2, [0, 0, 1, 1]), AppError);
  });
});
