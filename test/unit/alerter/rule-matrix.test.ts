import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AlertRule } from '../../../shared/alerts/index.js';
import { buildRuleMatrix, scoreTiles, tileAgeDays } from '../../../services/alerter/index.js';
import { dot, randomUnit, seeded } from '../../support/alerter-fixtures.js';

const rule = (id: string): AlertRule => ({
  id,
  name: id,
  references: [],
  threshold: 0.9,
  filter: null,
  cooldownSeconds: 0,
  webhookUrl: null,
  enabled: true,
  revision: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

describe('rule matrix: every rule’s references in one product', () => {
  for (const dim of [7, 256]) {
    it(`gives each rule the max cosine over its references, for 1..9 tiles (dim ${dim})`, () => {
      const random = seeded(dim);
      const entries = Array.from({ length: 13 }, (_, k) => ({
        rule: rule(`r${k}`),
        filter: undefined,
        vectors: Array.from({ length: k === 4 ? 0 : 1 + (k % 3) }, () => randomUnit(random, dim)),
      }));
      const matrix = buildRuleMatrix('m', entries);
      assert.equal(matrix.dim, dim);
      assert.deepEqual(
        matrix.rules.map((r) => r.rule.id),
        entries.filter((e) => e.vectors.length > 0).map((e) => e.rule.id),
        'a rule without vectors is left out',
      );
      assert.equal(
        matrix.rowRule.length,
        entries.reduce((n, e) => n + e.vectors.length, 0),
      );
      for (let n = 1; n <= 9; n++) {
        const tiles = Array.from({ length: n }, () => randomUnit(random, dim));
        const scores = scoreTiles(matrix, tiles);
        assert.equal(scores.length, n * matrix.rules.length);
        tiles.forEach((tile, t) =>
          matrix.rules.forEach((r, k) => {
            const vectors = entries.find((e) => e.rule.id === r.rule.id)!.vectors;
            const want = Math.max(...vectors.map((v) => dot(v, tile)));
            assert.ok(Math.abs(scores[t * matrix.rules.length + k] - want) < 1e-6, `tile ${t} rule ${r.rule.id}`);
          }),
        );
      }
    });
  }

  it('is empty without rules and refuses mixed dimensions', () => {
    const empty = buildRuleMatrix('m', []);
    assert.equal(empty.dim, 0);
    assert.equal(scoreTiles(empty, []).length, 0);
    const random = seeded(1);
    assert.throws(
      () =>
        buildRuleMatrix('m', [
          { rule: rule('a'), filter: undefined, vectors: [randomUnit(random, 4)] },
          { rule: rule('b'), filter: undefined, vectors: [randomUnit(random, 5)] },
        ]),
      /rule b: reference vector of dimension 5, expected 4/,
    );
    const matrix = buildRuleMatrix('m', [{ rule: rule('a'), filter: undefined, vectors: [randomUnit(random, 4)] }]);
    assert.throws(() => scoreTiles(matrix, [randomUnit(random, 3)]), /tile 0 has dimension 3, the rules 4/);
  });
});

describe('tile age in UTC days', () => {
  it('counts whole days from the tile’s date to today', () => {
    const now = new Date('2026-06-10T00:30:00.000Z');
    assert.equal(tileAgeDays('2026-06-10T00:00:00Z', now), 0);
    assert.equal(tileAgeDays('2026-06-09T00:00:00Z', now), 1);
    assert.equal(tileAgeDays('2026-06-06T00:00:00Z', new Date('2026-06-10T23:59:59.999Z')), 4);
    assert.equal(tileAgeDays('2026-06-11T00:00:00Z', now), 0, 'a future date (clock skew) is new');
  });
});
