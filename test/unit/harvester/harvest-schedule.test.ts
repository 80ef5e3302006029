import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../../../shared/errors/index.js';
import { scheduleErrorCodes } from '../../../shared/schedule/index.js';
import { resolveHarvesterConfig, scheduledHarvestDate, validateSchedule } from '../../../services/harvester/index.js';

describe('harvest schedule', () => {
  it('harvests today in UTC minus the lag, whatever the local clock says', () => {
    assert.equal(scheduledHarvestDate(new Date('2026-03-01T00:00:00Z'), 1), '2026-02-28');
    assert.equal(scheduledHarvestDate(new Date('2024-03-01T23:59:59Z'), 1), '2024-02-29');
    assert.equal(scheduledHarvestDate(new Date('2026-01-01T05:00:00+09:00'), 0), '2025-12-31');
    assert.equal(scheduledHarvestDate(new Date('2026-06-15T12:00:00Z'), 7), '2026-06-08');
  });

  it('accepts cron expressions node-cron runs and names what is wrong otherwise', () => {
    validateSchedule('0 6 * * *', 'UTC');
    validateSchedule('*/15 * * * *', 'America/New_York');
    assert.throws(
      () => validateSchedule('0 25 * * *', 'UTC'),
      (e: unknown) =>
        e instanceof ValidationError && e.code === scheduleErrorCodes.badSchedule && /0 25/.test(e.message),
    );
    assert.throws(() => validateSchedule('daily', 'UTC'), ValidationError);
    assert.throws(
      () => validateSchedule('0 6 * * *', 'Nowhere/Town'),
      (e: unknown) => e instanceof ValidationError && /Nowhere\/Town/.test(e.message),
    );
  });

  it('fills defaults and keeps the etiquette cap', () => {
    const cfg = resolveHarvesterConfig({ schedule: '0 6 * * *', lagDays: 1, timezone: 'UTC', jobs: [] });
    assert.equal(cfg.concurrency, 8);
    assert.equal(cfg.runOnStart, true, 'a new install harvests at start-up (issue 9)');
    assert.ok(cfg.maxTilesPerHarvest > 0);
    assert.throws(() => resolveHarvesterConfig({ ...cfg, concurrency: 33 }), /harvester\.concurrency=33: .*<=32/);
    assert.throws(() => resolveHarvesterConfig({ ...cfg, produceBatchSize: 0 }), /harvester\.produceBatchSize=0/);
  });
});
