import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../../shared/errors/index.js';
import { storeErrorCodes, type TilePayload } from '../../../shared/store/index.js';
import {
  PAYLOAD_INDEXES,
  fromStoredPayload,
  indexFields,
  payloadDay,
  toStoredPayload,
} from '../../../shared/store/qdrant/qdrant-payload.js';
import { samplePayload } from '../../support/vector-store-data.js';

const payload: TilePayload = samplePayload();

function corrupt(raw: unknown): void {
  assert.throws(
    () => fromStoredPayload(raw, 'p1'),
    (error: unknown) => error instanceof AppError && error.code === storeErrorCodes.corrupt && !error.retriable,
  );
}

describe('Qdrant stored payload', () => {
  it('adds the footprint bounds and the day as index fields, leaving the payload as it was', () => {
    const { fp_west, fp_south, fp_east, fp_north, day, ...rest } = toStoredPayload(payload);
    assert.deepEqual([fp_west, fp_south, fp_east, fp_north, day], [-108, 36, -72, 72, '2026-06-15']);
    assert.deepEqual(Object.values(indexFields).sort(), ['day', 'fp_east', 'fp_north', 'fp_south', 'fp_west']);
    assert.deepEqual(rest, payload);
  });

  it('reads back exactly the TilePayload, index fields and strangers stripped', () => {
    const stored = JSON.parse(JSON.stringify({ ...toStoredPayload(payload), note: 'written by hand' })) as unknown;
    assert.deepEqual(fromStoredPayload(stored, 'p1'), payload);
  });

  it('takes the day of dates with fractions of a second', () => {
    assert.equal(payloadDay('2026-12-31T23:59:59.999Z'), '2026-12-31');
    assert.equal(payloadDay('2026-01-01T00:00:00Z'), '2026-01-01');
  });

  it('refuses a stored payload that is not a tile payload as STORE_CORRUPT', () => {
    corrupt(undefined);
    corrupt(null);
    corrupt('layer');
    const { sha256: _dropped, ...missing } = payload;
    void _dropped;
    corrupt(missing);
    corrupt({ ...payload, z: '3' });
    corrupt({ ...payload, bbox: [1, 2, 3] });
  });

  it('indexes every field a filter or facet reads, with the type Qdrant filters it by', () => {
    const types = Object.fromEntries(PAYLOAD_INDEXES.map(({ field, type }) => [field, type]));
    assert.deepEqual(types, {
      date: 'datetime',
      center: 'geo',
      layer: 'keyword',
      model: 'keyword',
      z: 'integer',
      day: 'keyword',
      fp_west: 'float',
      fp_south: 'float',
      fp_east: 'float',
      fp_north: 'float',
    });
  });
});
