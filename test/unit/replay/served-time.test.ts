import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatLayerTime,
  isWellFormedTime,
  snapTime,
  widenTimeDimension,
} from '../../../services/replay/served-time.js';

const day = (d: string): number => Date.parse(`${d}T00:00:00Z`);

describe('replay time semantics', () => {
  it('accepts only OnEarth TIME forms and real calendar dates', () => {
    for (const ok of ['2020-09-27', '2020-09-27T10:13:24Z', 'default', 'DEFAULT', '2020-02-29'])
      assert.ok(isWellFormedTime(ok), ok);
    for (const bad of [
      '2020-9-27',
      '2020-09-27T10:13Z',
      '2020-09-27T10:13:24',
      '2019-02-29',
      '2020-13-01',
      'today',
      '',
      '2020-09-27T24:00:00Z',
    ]) {
      assert.ok(!isWellFormedTime(bad), bad);
    }
  });

  it('snaps to the previous step of the containing interval, undefined outside', () => {
    const daily = [{ start: '2010-01-01', end: '2017-04-24', period: 'P1D' }];
    assert.equal(snapTime('2016-01-24', daily), day('2016-01-24'));
    assert.equal(snapTime('2016-01-24T15:00:00Z', daily), day('2016-01-24'));
    assert.equal(snapTime('2009-12-31', daily), undefined);
    assert.equal(snapTime('2017-04-25', daily), undefined);
    assert.equal(
      snapTime('2000-03-11', [{ start: '2000-03-05', end: '2017-04-14', period: 'P8D' }]),
      day('2000-03-05'),
    );
    assert.equal(
      snapTime('2000-03-13', [{ start: '2000-03-05', end: '2017-04-14', period: 'P8D' }]),
      day('2000-03-13'),
    );
    assert.equal(
      snapTime('2011-11-30', [{ start: '1987-07-01', end: '2011-12-01', period: 'P1M' }]),
      day('2011-11-01'),
    );
    assert.equal(
      snapTime('2005-06-30', [{ start: '2002-01-01', end: '2016-01-01', period: 'P1Y' }]),
      day('2005-01-01'),
    );
    // Two intervals with a gap: dates in the gap are out of range.
    const gapped = [
      { start: '2010-01-01', end: '2010-01-10', period: 'P1D' },
      { start: '2010-02-01', end: '2010-02-10', period: 'P1D' },
    ];
    assert.equal(snapTime('2010-01-20', gapped), undefined);
    assert.equal(snapTime('2010-02-03', gapped), day('2010-02-03'));
    assert.equal(formatLayerTime(day('2020-09-27')), '2020-09-27T00:00:00Z');
  });

  it('widens a dimension to reach the replay dates, moving the default to the new latest day', () => {
    const modis = { default: '2017-04-24', intervals: [{ start: '2010-01-01', end: '2017-04-24', period: 'P1D' }] };
    assert.deepEqual(widenTimeDimension(modis, ['2016-01-24', '2020-09-27']), {
      default: '2020-09-27',
      intervals: [{ start: '2010-01-01', end: '2020-09-27', period: 'P1D' }],
    });
    // Before the start on the grid: the start moves; off the grid of an 8-day layer: its own one-day interval.
    const eightDay = { default: '2017-04-14', intervals: [{ start: '2000-03-05', end: '2017-04-14', period: 'P8D' }] };
    const widened = widenTimeDimension(eightDay, ['2000-02-26', '2005-05-05']);
    assert.deepEqual(widened.intervals, [
      { start: '2000-02-26', end: '2017-04-14', period: 'P8D' },
      { start: '2005-05-05', end: '2005-05-05', period: 'P1D' },
    ]);
    assert.equal(snapTime('2005-05-05', widened.intervals), day('2005-05-05'));
    assert.equal(widened.default, '2017-04-14');
    // Nothing to do: the input comes back equal and the original is not mutated.
    assert.deepEqual(widenTimeDimension(modis, ['2012-07-09']), modis);
    assert.equal(modis.intervals[0].end, '2017-04-24');
  });
});
