import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AppError } from '../../../shared/errors/index.js';
import {
  type TimeInterval,
  addDuration,
  layerDates,
  layerHasDate,
  latestDate,
  parseDuration,
  parseInstant,
  parseTimeValue,
  gibsErrorCodes,
} from '../../../shared/gibs/index.js';

const badTime = (e: unknown): boolean =>
  e instanceof AppError && e.code === gibsErrorCodes.badTime && e.retriable === false;
const layer = (...values: string[]) => ({ id: 'L', time: { intervals: values.map(parseTimeValue) } });

describe('ISO 8601 pieces', () => {
  it('parses instants and durations', () => {
    assert.equal(parseInstant('2017-04-24'), Date.UTC(2017, 3, 24));
    assert.equal(parseInstant('2016-01-01T10:13:24Z'), Date.UTC(2016, 0, 1, 10, 13, 24));
    assert.deepEqual(parseDuration('P1D'), { years: 0, months: 0, days: 1, timeMs: 0 });
    assert.deepEqual(parseDuration('P2W'), { years: 0, months: 0, days: 14, timeMs: 0 });
    assert.deepEqual(parseDuration('PT10M'), { years: 0, months: 0, days: 0, timeMs: 600_000 });
    assert.deepEqual(parseDuration('P1Y2M3DT4H5M6S'), {
      years: 1,
      months: 2,
      days: 3,
      timeMs: (4 * 3600 + 5 * 60 + 6) * 1000,
    });
    for (const bad of ['2017-02-30', '2017-4-24', '2017-04-24T25:00:00Z', '2017-04-24T10:00:00', 'yesterday', '']) {
      assert.throws(() => parseInstant(bad), badTime, bad);
    }
    for (const bad of ['P', 'PT', 'P0D', 'P1Q', '1D', 'P1DT', 'P-1D'])
      assert.throws(() => parseDuration(bad), badTime, bad);
  });

  it('adds calendar steps from the start, clamping to the month end without drifting', () => {
    const jan31 = parseInstant('2016-01-31');
    const p1m = parseDuration('P1M');
    assert.equal(new Date(addDuration(jan31, p1m, 1)).toISOString().slice(0, 10), '2016-02-29');
    assert.equal(new Date(addDuration(jan31, p1m, 2)).toISOString().slice(0, 10), '2016-03-31');
    assert.equal(
      new Date(addDuration(parseInstant('2016-02-29'), parseDuration('P1Y'), 1)).toISOString().slice(0, 10),
      '2017-02-28',
    );
    assert.equal(
      new Date(addDuration(parseInstant('2016-02-29'), parseDuration('P1Y'), 4)).toISOString().slice(0, 10),
      '2020-02-29',
    );
  });
});

describe('time dimension', () => {
  it('parses WMTS values', () => {
    assert.deepEqual(parseTimeValue('2010-01-01/2017-04-24/P1D'), {
      start: '2010-01-01',
      end: '2017-04-24',
      period: 'P1D',
    });
    assert.deepEqual(parseTimeValue('2012-07-01'), { start: '2012-07-01', end: '2012-07-01', period: 'P1D' });
    assert.deepEqual(parseTimeValue(' 2012-07-01/2012-07-09 '), {
      start: '2012-07-01',
      end: '2012-07-09',
      period: 'P1D',
    });
    for (const bad of [
      '',
      '/',
      '2012-07-01//P1D',
      '2012-07-09/2012-07-01/P1D',
      '2012-07-01/2012-07-09/P1D/x',
      '2012-07-01/2012-07-09/1D',
    ]) {
      assert.throws(() => parseTimeValue(bad), badTime, bad);
    }
  });

  it('daily layer (MODIS Terra): every day in range, nothing outside', () => {
    const modis = layer('2010-01-01/2017-04-24/P1D');
    assert.equal(layerHasDate(modis, '2010-01-01'), true);
    assert.equal(layerHasDate(modis, '2016-01-24'), true);
    assert.equal(layerHasDate(modis, '2017-04-24'), true);
    assert.equal(layerHasDate(modis, '2009-12-31'), false);
    assert.equal(layerHasDate(modis, '2017-04-25'), false);
    assert.deepEqual(layerDates(modis, '2017-04-22', '2017-05-30'), ['2017-04-22', '2017-04-23', '2017-04-24']);
    assert.deepEqual(layerDates(modis, '2009-12-30', '2010-01-02'), ['2010-01-01', '2010-01-02']);
    assert.equal(layerDates(modis, '2000-01-01', '2030-01-01').length, 2671);
    assert.equal(latestDate(modis), '2017-04-24');
  });

  it('8-day layer: grid dates only; an end off the grid snaps back (as OnEarth serves it)', () => {
    const sst = layer('2015-01-01/2015-12-27/P8D', '2016-01-01/2017-03-30/P8D');
    assert.equal(layerHasDate(sst, '2015-01-09'), true);
    assert.equal(layerHasDate(sst, '2015-01-10'), false);
    assert.equal(layerHasDate(sst, '2015-12-27'), true);
    assert.equal(layerHasDate(sst, '2015-12-31'), false);
    assert.equal(layerHasDate(sst, '2016-01-01'), true);
    assert.equal(layerHasDate(sst, '2017-03-24'), true);
    assert.equal(layerHasDate(sst, '2017-03-30'), false); // the end, off the 2016 grid: served as 2017-03-24
    assert.deepEqual(layerDates(sst, '2015-12-20', '2016-01-10'), ['2015-12-27', '2016-01-01', '2016-01-09']);
    assert.deepEqual(layerDates(sst, '2017-03-20', '2017-04-30'), ['2017-03-24']);
    assert.equal(latestDate(sst), '2017-03-24');
  });

  it('monthly and yearly layers', () => {
    const monthly = layer('2011-08-25/2011-08-25/P1M', '2011-09-01/2015-05-01/P1M');
    assert.deepEqual(layerDates(monthly, '2011-08-01', '2011-12-31'), [
      '2011-08-25',
      '2011-09-01',
      '2011-10-01',
      '2011-11-01',
      '2011-12-01',
    ]);
    assert.equal(layerHasDate(monthly, '2012-02-01'), true);
    assert.equal(layerHasDate(monthly, '2012-02-02'), false);
    assert.equal(latestDate(monthly), '2015-05-01');
    const quarterly = layer('2011-09-21/2014-12-21/P3M');
    assert.deepEqual(layerDates(quarterly, '2014-01-01', '2015-01-01'), [
      '2014-03-21',
      '2014-06-21',
      '2014-09-21',
      '2014-12-21',
    ]);
    const yearly = layer('2000-01-01/2016-01-01/P1Y');
    assert.equal(layerDates(yearly, '1990-01-01', '2020-01-01').length, 17);
    assert.equal(layerHasDate(yearly, '2008-01-01'), true);
    assert.equal(layerHasDate(yearly, '2008-01-02'), false);
  });

  it('sub-daily steps and date-time intervals', () => {
    const tenMin = layer('2020-01-01T00:00:00Z/2020-01-03T12:00:00Z/PT10M');
    assert.deepEqual(layerDates(tenMin, '2019-12-31', '2020-02-01'), ['2020-01-01', '2020-01-02', '2020-01-03']);
    assert.equal(layerHasDate(tenMin, '2020-01-02'), true);
    assert.equal(layerHasDate(tenMin, '2020-01-02T10:20:00Z'), true);
    assert.equal(layerHasDate(tenMin, '2020-01-02T10:25:00Z'), false);
    assert.equal(layerHasDate(tenMin, '2020-01-04'), false);
    // Ten years of PT10M: ~500k instants, answered without walking them.
    const long = layer('2010-01-01T00:00:00Z/2020-01-01T00:00:00Z/PT10M');
    const t0 = performance.now();
    assert.equal(layerDates(long, '2000-01-01', '2030-01-01').length, 3653);
    assert.ok(performance.now() - t0 < 1000);
    const aster = layer('2016-01-01T10:13:24Z/2016-12-31T23:18:30Z/P1D');
    assert.equal(layerHasDate(aster, '2016-06-01'), true);
    assert.equal(layerHasDate(aster, '2016-06-01T10:13:24Z'), true);
    assert.equal(layerHasDate(aster, '2016-06-01T00:00:00Z'), false);
    assert.equal(layerHasDate(aster, '2016-12-31T10:13:24Z'), true);
    assert.equal(layerHasDate(aster, '2016-12-31T23:18:30Z'), false); // the end, off the grid
    assert.deepEqual(layerDates(aster, '2016-12-30', '2017-01-02'), ['2016-12-30', '2016-12-31']);
    assert.equal(latestDate(aster), '2016-12-31');
  });

  it('layers without a time dimension have no dates', () => {
    const marble = { id: 'BlueMarble_ShadedRelief_Bathymetry' };
    assert.equal(latestDate(marble), undefined);
    assert.equal(layerHasDate(marble, '2017-01-01'), false);
    assert.deepEqual(layerDates(marble, '2017-01-01', '2017-02-01'), []);
  });

  it('refuses bad query dates and ranges', () => {
    const modis = layer('2010-01-01/2017-04-24/P1D');
    assert.throws(() => layerHasDate(modis, '2016-02-30'), badTime);
    assert.throws(() => layerDates(modis, '2017-01-02', '2017-01-01'), badTime);
    assert.throws(() => layerDates(modis, 'x', '2017-01-01'), badTime);
  });

  it('property: layerDates agrees with layerHasDate day by day', () => {
    const periods = ['P1D', 'P2D', 'P8D', 'P1M', 'P3M', 'P1Y', 'PT6H', 'P1DT12H'];
    const dayMs = 86_400_000;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 0, max: 400 }),
        fc.constantFrom(...periods),
        fc.integer({ min: -30, max: 30 }),
        fc.integer({ min: 0, max: 120 }),
        (startDay, lengthDays, period, fromOffset, windowDays) => {
          const start = new Date(Date.UTC(2000, 0, 1) + startDay * dayMs).toISOString().slice(0, 10);
          const end = new Date(Date.UTC(2000, 0, 1) + (startDay + lengthDays) * dayMs).toISOString().slice(0, 10);
          const iv: TimeInterval = { start, end, period };
          const l = { time: { intervals: [iv] } };
          const fromMs = Date.UTC(2000, 0, 1) + (startDay + fromOffset) * dayMs;
          const from = new Date(fromMs).toISOString().slice(0, 10);
          const to = new Date(fromMs + windowDays * dayMs).toISOString().slice(0, 10);
          const dates = layerDates(l, from, to);
          const expected: string[] = [];
          for (let d = 0; d <= windowDays; d++) {
            const day = new Date(fromMs + d * dayMs).toISOString().slice(0, 10);
            if (layerHasDate(l, day)) expected.push(day);
          }
          assert.deepEqual(dates, expected);
          if (fromMs <= parseInstant(start) && parseInstant(end) <= fromMs + windowDays * dayMs) {
            assert.equal(dates[0], start);
            assert.equal(dates.at(-1), latestDate(l));
          }
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });
});
