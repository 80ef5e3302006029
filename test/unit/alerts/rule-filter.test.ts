import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ruleFilterToFilter, validateRuleFilter, type RuleFilter } from '../../../shared/alerts/index.js';
import { ValidationError } from '../../../shared/errors/index.js';
import { matchesFilter } from '../../../shared/store/index.js';
import { tilesErrorCodes } from '../../../shared/tiles/index.js';
import { samplePayload } from '../../support/vector-store-data.js';

// Tiles: the sample z3 tile over North America, one touching the antimeridian in the Pacific, one over Europe.
const america = { id: 'a', payload: samplePayload() };
const pacific = {
  id: 'p',
  payload: samplePayload({ layer: 'VIIRS', z: 4, bbox: [162, -18, 180, 0], center: { lon: 171, lat: -9 } }),
};
const europe = { id: 'e', payload: samplePayload({ bbox: [0, 36, 36, 72], center: { lon: 18, lat: 54 } }) };
const tiles = [america, pacific, europe];

function selected(filter: RuleFilter | null): string[] {
  const f = ruleFilterToFilter(filter);
  return tiles.filter((t) => f === undefined || matchesFilter(f, t)).map((t) => t.id);
}

describe('ruleFilterToFilter', () => {
  it('is undefined (everything) for null and {}', () => {
    assert.equal(ruleFilterToFilter(null), undefined);
    assert.equal(ruleFilterToFilter({}), undefined);
    assert.deepEqual(selected(null), ['a', 'p', 'e']);
  });

  it('maps each field to the store filter it means', () => {
    assert.deepEqual(ruleFilterToFilter({ layers: ['L'] }), { layer: ['L'] });
    assert.deepEqual(ruleFilterToFilter({ levels: [3] }), { z: [3] });
    assert.deepEqual(ruleFilterToFilter({ bbox: [1, 2, 3, 4], levels: [0, 1] }), {
      and: [{ bbox: [1, 2, 3, 4] }, { z: [0, 1] }],
    });
  });

  it('selects through matchesFilter: bbox across the antimeridian, near, layers, levels, and all together', () => {
    assert.deepEqual(selected({ bbox: [170, -20, -170, 20] }), ['p']);
    assert.deepEqual(selected({ bbox: [-10, 40, 10, 50] }), ['e']);
    assert.deepEqual(selected({ near: { lon: -90, lat: 54, radiusKm: 10 } }), ['a']);
    assert.deepEqual(selected({ near: { lon: 0, lat: 54, radiusKm: 2000 } }), ['e']);
    assert.deepEqual(selected({ layers: ['VIIRS'] }), ['p']);
    assert.deepEqual(selected({ levels: [3] }), ['a', 'e']);
    assert.deepEqual(selected({ levels: [3], bbox: [-180, 0, 180, 90], layers: [america.payload.layer] }), ['a', 'e']);
    assert.deepEqual(selected({ levels: [3], layers: ['VIIRS'] }), [], 'every field must hold');
  });

  it('does not share arrays with the rule (the alerter caches the filter)', () => {
    const rule: RuleFilter = { layers: ['L'], bbox: [1, 2, 3, 4] };
    const f = ruleFilterToFilter(rule);
    rule.layers!.push('M');
    rule.bbox![0] = 0;
    assert.deepEqual(f, { and: [{ bbox: [1, 2, 3, 4] }, { layer: ['L'] }] });
  });
});

describe('validateRuleFilter', () => {
  const bad: Array<[unknown, RegExp]> = [
    [[], /filter/],
    ['x', /filter/],
    [{ area: [] }, /unknown key "area"/],
    [{ bbox: [0, 0, 0, 10] }, /filter\.bbox/],
    [{ bbox: [0, 0, 10] }, /filter\.bbox/],
    [{ near: { lon: 181, lat: 0, radiusKm: 1 } }, /filter\.near\.lon/],
    [{ near: { lon: 0, lat: -91, radiusKm: 1 } }, /filter\.near\.lat/],
    [{ near: { lon: 0, lat: 0, radiusKm: -1 } }, /filter\.near\.radiusKm/],
    [{ near: { lon: 0, lat: 0, radiusKm: 1, unit: 'mi' } }, /filter\.near/],
    [{ layers: [] }, /filter\.layers/],
    [{ layers: [''] }, /filter\.layers\[0\]/],
    [{ levels: [1.5] }, /filter\.levels\[0\]/],
    [{ levels: 'all' }, /filter\.levels/],
  ];
  for (const [filter, message] of bad) {
    it(`refuses ${JSON.stringify(filter)}`, () => {
      assert.throws(
        () => validateRuleFilter(filter),
        (error: unknown) => error instanceof ValidationError && message.test(error.message),
      );
      assert.throws(() => ruleFilterToFilter(filter as RuleFilter), ValidationError);
    });
  }

  it('keeps the BAD_BBOX code of a bad box', () => {
    assert.throws(
      () => validateRuleFilter({ bbox: [0, 10, 5, 5] }),
      (error: unknown) => error instanceof ValidationError && error.code === tilesErrorCodes.badBbox,
    );
  });

  it('accepts null, {} and every field', () => {
    validateRuleFilter(null);
    validateRuleFilter({});
    validateRuleFilter({
      bbox: [170, -10, -170, 10],
      near: { lon: 0, lat: 0, radiusKm: 5 },
      layers: ['L'],
      levels: [0],
    });
  });
});
