import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../../shared/errors/index.js';
import { embedderErrorCodes, killAtCrashPoint, parseCrashSpec } from '../../../services/embedder/index.js';

describe('crash points (test-only GIBS_EMBED_CRASH_AT)', () => {
  it('parses a point with an optional batch number', () => {
    assert.deepEqual(parseCrashSpec('after-decode'), { point: 'after-decode', nth: 1 });
    assert.deepEqual(parseCrashSpec('after-upsert:3'), { point: 'after-upsert', nth: 3 });
    assert.deepEqual(parseCrashSpec('after-commit:1'), { point: 'after-commit', nth: 1 });
  });

  it('refuses anything else, naming what is allowed', () => {
    for (const bad of [
      '',
      'after-write',
      'after-upsert:0',
      'after-upsert:-1',
      'after-upsert:1.5',
      'after-upsert:x',
      'after-commit:2:3',
    ]) {
      assert.throws(
        () => parseCrashSpec(bad),
        (e: unknown) =>
          e instanceof AppError &&
          e.code === embedderErrorCodes.badCrashPoint &&
          /after-decode\|after-upsert\|after-commit/.test(e.message),
        bad,
      );
    }
  });

  it('fires once, the Nth time its own point is reached, never for other points', () => {
    let kills = 0;
    const hook = killAtCrashPoint({ point: 'after-upsert', nth: 2 }, () => kills++);
    hook('after-decode');
    hook('after-upsert');
    hook('after-commit');
    assert.equal(kills, 0);
    hook('after-upsert');
    assert.equal(kills, 1);
    hook('after-upsert');
    assert.equal(kills, 1);
  });
});
