import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, maskSecrets } from '../../../shared/config/index.js';

describe('loadConfig', () => {
  it('gives embedded defaults with paths under dataDir', () => {
    const config = loadConfig({}, { cwd: '/srv/app' });
    assert.equal(config.dataDir, '/srv/app/data');
    assert.deepEqual(config.bus, { kind: 'sqlite', path: '/srv/app/data/bus.db', partitions: 4, retentionHours: 168, retentionMegabytes: 1024 });
    assert.equal(config.blobs.root, '/srv/app/data/blobs');
    assert.equal(config.gibs.concurrency, 8);
    assert.ok(Object.isFrozen(config.gibs));
  });

  it('layers file < environment < flags', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cfg-'));
    try {
      const file = path.join(dir, 'c.json');
      await writeFile(file, JSON.stringify({ dataDir: 'from-file', gibs: { concurrency: 2, timeoutMs: 1000 } }));
      const config = loadConfig({ GIBS_CONCURRENCY: '4', GIBS_EMBED_CONFIG: file }, { cwd: dir, overrides: { 'gibs.timeoutMs': 2000 } });
      assert.equal(config.dataDir, path.join(dir, 'from-file'));
      assert.equal(config.gibs.concurrency, 4);
      assert.equal(config.gibs.timeoutMs, 2000);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('selects Kafka when brokers are named, and masks its password', () => {
    const config = loadConfig({ KAFKA_BROKERS: 'k1:9092, k2:9092', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'hunter2' });
    assert.equal(config.bus.kind, 'kafka');
    assert.ok(config.bus.kind === 'kafka' && config.bus.brokers.length === 2);
    assert.ok(!JSON.stringify(maskSecrets(config)).includes('hunter2'));
    assert.ok(JSON.stringify(config).includes('hunter2'));
  });

  const wrong: [Record<string, string>, RegExp][] = [
    [{ GIBS_CONCURRENCY: '500' }, /GIBS_CONCURRENCY \(config key gibs.concurrency\)=500: .*<=32/],
    [{ GIBS_CONCURRENCY: 'eight' }, /GIBS_CONCURRENCY="eight".*expected a number/],
    [{ BUS_KIND: 'redis' }, /BUS_KIND.*"redis".*sqlite.*kafka/],
    [{ HARVEST_RUN_ON_START: 'perhaps' }, /HARVEST_RUN_ON_START.*true or false/],
    [{ HARVEST_JOBS: '[{"layer":"L","levels":[]}]' }, /harvester.jobs.0.levels.*>=1/],
    [{ HARVEST_JOBS: 'not json' }, /HARVEST_JOBS.*valid JSON/],
    [{ GIBS_BASE_URL: 'nowhere' }, /GIBS_BASE_URL.*"nowhere"/],
    [{ KAFKA_BROKERS: 'no-port' }, /bus.brokers.0.*host:port/],
    [{ HARVEST_JOBS: '[{"layer":"L","levels":[1],"bbox":[0,10,5,-10]}]' }, /minLat < maxLat/],
  ];
  for (const [env, message] of wrong) {
    it(`refuses ${JSON.stringify(env)} naming key, value and what is allowed`, () => {
      assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    });
  }

  it('refuses an unreadable or malformed config file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cfg-'));
    try {
      await writeFile(path.join(dir, 'bad.json'), '{ nope');
      assert.throws(() => loadConfig({}, { cwd: dir, file: 'bad.json' }), /bad.json is not valid JSON/);
      assert.throws(() => loadConfig({}, { cwd: dir, file: 'missing.json' }), /cannot read config file/);
      await writeFile(path.join(dir, 'typed.json'), JSON.stringify({ gibs: { maxMbps: 80 } }));
      assert.throws(() => loadConfig({}, { cwd: dir, file: 'typed.json' }), /gibs.maxMbps in typed.json=80/);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
