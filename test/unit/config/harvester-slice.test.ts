import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfigError,
  harvesterServiceSchema,
  loadConfig,
  parseSlice,
  serviceNames,
} from '../../../shared/config/index.js';
import { ValidationError } from '../../../shared/errors/index.js';
import { GIBS_MAX_CONCURRENCY } from '../../../shared/gibs/index.js';
import { resolveHarvesterConfig } from '../../../services/harvester/index.js';

/** The harvester's settings come from its schema slice alone: the same defaults and limits wherever it is built. */
describe('harvester config slice', () => {
  it('gives a plain partial object the same defaults loadConfig gives the app', () => {
    const app = loadConfig({});
    const unit = resolveHarvesterConfig({});
    assert.deepEqual({ ...unit, concurrency: undefined }, { ...app.harvester, concurrency: undefined });
    assert.equal(unit.concurrency, app.gibs.concurrency);
    assert.equal(unit.produceBatchSize, 64);
    assert.deepEqual(unit.storeRetry, { retries: 5, initialMs: 200, maxMs: 10_000, factor: 2, jitter: 0.5 });
  });

  const wrong: [Record<string, unknown>, RegExp][] = [
    [
      { concurrency: GIBS_MAX_CONCURRENCY + 1 },
      new RegExp(`harvester\\.concurrency=${GIBS_MAX_CONCURRENCY + 1}: .*<=${GIBS_MAX_CONCURRENCY}`),
    ],
    [{ produceBatchSize: 0 }, /harvester\.produceBatchSize=0: .*>=1/],
    [{ lagDays: -1 }, /harvester\.lagDays=-1: .*>=0/],
    [{ jobs: [{ layer: 'L', levels: [] }] }, /harvester\.jobs\[0\]\.levels=\[\]: .*>=1/],
    [
      { jobs: [{ layer: 'L', levels: [1], bbox: [5, 0, 5, 10] }] },
      /harvester\.jobs\[0\]\.bbox=\[5,0,5,10\]: expected minLon != maxLon/,
    ],
    [{ concurency: 4 }, /harvester\.concurency=4: unknown key/],
    [{ storeRetry: { retries: 1 } }, /harvester\.storeRetry\.initialMs=missing/],
  ];
  for (const [input, message] of wrong) {
    it(`refuses ${JSON.stringify(input)} with a ConfigError naming the key, the value and what is allowed`, () => {
      assert.throws(
        () => resolveHarvesterConfig(input as never),
        (e: unknown) => e instanceof ConfigError && e instanceof ValidationError && message.test(e.message),
      );
    });
  }

  it('checks what the schema cannot: node-cron must run the schedule', () => {
    assert.throws(
      () => resolveHarvesterConfig({ schedule: '0 25 * * *' }),
      (e: unknown) => e instanceof ValidationError && /0 25/.test(e.message),
    );
  });

  it('parseSlice returns a copy a unit may keep, not the frozen config', () => {
    const app = loadConfig({});
    const resolved = parseSlice(harvesterServiceSchema, { ...app.harvester, concurrency: 3 }, 'harvester');
    assert.ok(!Object.isFrozen(resolved.jobs));
    assert.notEqual(resolved.jobs, app.harvester.jobs);
  });

  it('names the services `start` can run from the schema slices with an enabled flag', () => {
    const app = loadConfig({ HARVEST_ENABLED: 'false' });
    assert.deepEqual(serviceNames, ['harvester', 'embedder', 'trainer', 'alerter', 'api']);
    for (const name of serviceNames) assert.equal(typeof app[name].enabled, 'boolean');
    assert.equal(app.harvester.enabled, false);
  });
});
