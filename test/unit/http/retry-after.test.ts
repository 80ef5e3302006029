import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRetryAfter } from '../../../shared/http/index.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-06-01T12:00:00Z');
  it('reads delta-seconds', () => {
    assert.equal(parseRetryAfter('1', now), 1000);
    assert.equal(parseRetryAfter(' 120 ', now), 120_000);
    assert.equal(parseRetryAfter('0', now), 0);
  });
  it('reads an HTTP date relative to now, never negative', () => {
    assert.equal(parseRetryAfter('Mon, 01 Jun 2026 12:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Mon, 01 Jun 2026 11:00:00 GMT', now), 0);
  });
  it('ignores what it cannot read', () => {
    assert.equal(parseRetryAfter(undefined, now), undefined);
    assert.equal(parseRetryAfter('', now), undefined);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter('1.5', now), undefined);
    assert.equal(parseRetryAfter('-3', now), undefined);
  });
});
