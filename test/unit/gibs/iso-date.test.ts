import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatDate, isIsoDate, isoDateSchema, parseInstant, parseRfc3339 } from '../../../shared/gibs/index.js';
import { tileFetchedV1 } from '../../../shared/bus/index.js';

describe('isIsoDate: the one YYYY-MM-DD check', () => {
  it('accepts calendar dates and refuses the rest', () => {
    for (const good of ['2016-01-24', '2024-02-29', '2000-02-29', '1999-12-31'])
      assert.equal(isIsoDate(good), true, good);
    const bad = [
      '2026-02-30',
      '2023-02-29',
      '1900-02-29',
      '2016-13-01',
      '2016-00-10',
      '2016-04-31',
      '2016-1-24',
      '16-01-24',
      '2016-01-24T00:00:00Z',
      ' 2016-01-24',
      '2016/01/24',
      '',
      'today',
      20160124,
      undefined,
      null,
    ];
    for (const value of bad) assert.equal(isIsoDate(value), false, String(value));
  });

  it('is what the zod schema checks, and the bus messages use it', () => {
    assert.equal(isoDateSchema.safeParse('2016-01-24').success, true);
    const refused = isoDateSchema.safeParse('2026-02-30');
    assert.equal(refused.success, false);
    assert.match(refused.error?.issues[0]?.message ?? '', /calendar date YYYY-MM-DD/);
    const id = '1acea95f-1f9b-5914-bc6f-fbb57ae6e019';
    const message = {
      v: 1,
      id,
      layer: 'L',
      date: '2026-02-28',
      tms: '250m',
      z: 0,
      row: 0,
      col: 0,
      bbox: [-180, -90, 0, 90],
      blob_key: 'tiles/L/2026-02-28/250m/0/0/0.jpg',
      sha256: 'a'.repeat(64),
      bytes: 1,
      content_type: 'image/jpeg',
      fetched_at: '2026-03-01T00:00:00Z',
    };
    assert.equal(tileFetchedV1.safeParse(message).success, true);
    assert.equal(tileFetchedV1.safeParse({ ...message, date: '2026-02-30' }).success, false);
  });

  it('property: agrees with parseInstant and formatDate on every date-shaped string', () => {
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const year = fc.integer({ min: 1900, max: 2199 });
    const shaped = fc.tuple(year, two(19), two(39)).map(([y, m, d]) => `${y}-${m}-${d}`);
    fc.assert(
      fc.property(shaped, (s) => {
        const ok = isIsoDate(s);
        if (ok) assert.equal(formatDate(parseInstant(s)), s);
        else assert.throws(() => parseInstant(s));
        return true;
      }),
      { numRuns: 2000 },
    );
    const instant = fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2199, 11, 31) });
    fc.assert(fc.property(instant, (ms) => isIsoDate(formatDate(ms))));
  });
});

describe('parseRfc3339 (the vector store dates)', () => {
  it('reads days as midnight UTC and instants with Z or an offset, to the millisecond', () => {
    assert.equal(parseRfc3339('2026-06-01'), Date.UTC(2026, 5, 1));
    assert.equal(parseRfc3339('2026-06-01T12:00:00Z'), Date.UTC(2026, 5, 1, 12));
    assert.equal(parseRfc3339('2026-06-01T14:00:00.250+02:00'), Date.UTC(2026, 5, 1, 12, 0, 0, 250));
    assert.equal(parseRfc3339('2026-06-01T00:30:00-01:30'), Date.UTC(2026, 5, 1, 2));
  });

  it('refuses what is not a calendar instant of that form', () => {
    for (const bad of [
      '2026-02-30',
      '2026-02-30T00:00:00Z',
      '2026-06-01T24:00:00Z',
      '2026-06-01T12:00Z',
      '2026-06-01T12:00:00',
      '2026-06-01T12:00:00.1234Z',
      '2026-06-01T12:00:00+24:00',
      '0099-01-01',
      '2026-6-1',
      '',
    ])
      assert.equal(parseRfc3339(bad), undefined, bad);
  });
});
