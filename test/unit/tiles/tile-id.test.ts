import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AppError, errorCodes } from '../../../shared/errors/index.js';
import { TILE_ID_NAMESPACE, pointId, tileKey, tileKeyPrefix, uuidV5 } from '../../../shared/tiles/index.js';

/** RFC 4122 namespaces for DNS names and URLs, to check uuidV5 against known vectors. */
const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

describe('tile keys and point ids', () => {
  it('computes RFC 4122 v5 UUIDs (known vectors)', () => {
    assert.equal(uuidV5('www.example.com', DNS_NAMESPACE), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
    // Python: uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org')
    assert.equal(uuidV5('python.org', DNS_NAMESPACE), '886313e1-3b8a-5372-9b90-0c9aee199e5d');
    // The project namespace is itself derived, so it can be re-checked.
    assert.equal(uuidV5('urn:gibs-embed:tile-id', URL_NAMESPACE), TILE_ID_NAMESPACE);
  });

  it('builds the key and a stable id for the real sample tile', () => {
    const args = ['MODIS_Terra_CorrectedReflectance_TrueColor', '2016-01-24', '250m', 5, 5, 10] as const;
    assert.equal(tileKey(...args), 'MODIS_Terra_CorrectedReflectance_TrueColor/2016-01-24/250m/5/5/10');
    // Fixed forever (computed independently with Python's uuid.uuid5): a change breaks idempotent re-ingestion.
    assert.equal(pointId(...args), '1acea95f-1f9b-5914-bc6f-fbb57ae6e019');
  });

  it('the prefix of a layer, day and matrix set starts every key of theirs, and of no other day', () => {
    const prefix = tileKeyPrefix('MODIS_Terra_CorrectedReflectance_TrueColor', '2020-09-27', '250m');
    assert.equal(prefix, 'MODIS_Terra_CorrectedReflectance_TrueColor/2020-09-27/250m/');
    assert.ok(tileKey('MODIS_Terra_CorrectedReflectance_TrueColor', '2020-09-27', '250m', 2, 1, 3).startsWith(prefix));
    assert.ok(!tileKey('MODIS_Terra_CorrectedReflectance_TrueColor', '2020-09-28', '250m', 2, 1, 3).startsWith(prefix));
    assert.throws(() => tileKeyPrefix('a/b', '2020-09-27', '250m'), AppError);
  });

  it('refuses parts that would make keys ambiguous', () => {
    const bad: Array<Parameters<typeof tileKey>> = [
      ['a/b', '2016-01-24', '250m', 0, 0, 0],
      ['', '2016-01-24', '250m', 0, 0, 0],
      ['L', '2016-01-24', '', 0, 0, 0],
      ['L', '2016-01-24', '250m', -1, 0, 0],
      ['L', '2016-01-24', '250m', 0, 1.5, 0],
      ['L', '2016-01-24', '250m', 0, 0, Number.NaN],
    ];
    for (const args of bad) {
      assert.throws(
        () => pointId(...args),
        (e: unknown) => e instanceof AppError && e.code === errorCodes.validation,
      );
    }
    assert.throws(
      () => uuidV5('x', 'not-a-uuid'),
      (e: unknown) => e instanceof AppError,
    );
  });

  it('property: ids are well-formed v5 UUIDs and distinct keys give distinct ids', () => {
    const part = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
    const idx = fc.integer({ min: 0, max: 5000 });
    fc.assert(
      fc.property(fc.tuple(part, part, part, idx, idx, idx), fc.tuple(part, part, part, idx, idx, idx), (a, b) => {
        const ia = pointId(...a);
        assert.match(ia, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.equal(ia, pointId(...a));
        if (tileKey(...a) !== tileKey(...b)) assert.notEqual(ia, pointId(...b));
        return true;
      }),
    );
  });
});
