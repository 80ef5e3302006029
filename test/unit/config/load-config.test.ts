import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, maskSecrets } from '../../../shared/config/index.js';
import { GIBS_MAX_CONCURRENCY } from '../../../shared/gibs/index.js';

describe('loadConfig', () => {
  it('gives embedded defaults with paths under dataDir', () => {
    const config = loadConfig({}, { cwd: '/srv/app' });
    assert.equal(config.dataDir, '/srv/app/data');
    assert.deepEqual(config.bus, {
      kind: 'sqlite',
      path: '/srv/app/data/bus.db',
      partitions: 4,
      retentionHours: 168,
      retentionMegabytes: 1024,
    });
    assert.equal(config.blobs.root, '/srv/app/data/blobs');
    assert.equal(config.gibs.concurrency, 8);
    assert.ok(Object.isFrozen(config.gibs));
  });

  it('layers file < environment < flags', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cfg-'));
    try {
      const file = path.join(dir, 'c.json');
      await writeFile(file, JSON.stringify({ dataDir: 'from-file', gibs: { concurrency: 2, timeoutMs: 1000 } }));
      const config = loadConfig(
        { GIBS_CONCURRENCY: '4', GIBS_EMBED_CONFIG: file },
        { cwd: dir, overrides: { 'gibs.timeoutMs': 2000 } },
      );
      assert.equal(config.dataDir, path.join(dir, 'from-file'));
      assert.equal(config.gibs.concurrency, 4);
      assert.equal(config.gibs.timeoutMs, 2000);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('selects Kafka when brokers are named, and masks its password', () => {
    const config = loadConfig({
      KAFKA_BROKERS: 'k1:9092, k2:9092',
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'hunter2',
    });
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
    [
      { HARVEST_JOBS: '[{"layer":"L","levels":[]}]' },
      /HARVEST_JOBS \(config key harvester.jobs\[0\].levels\)=\[\]: .*>=1/,
    ],
    [{ HARVEST_JOBS: 'not json' }, /HARVEST_JOBS.*valid JSON/],
    [{ GIBS_BASE_URL: 'nowhere' }, /GIBS_BASE_URL.*"nowhere"/],
    [{ KAFKA_BROKERS: 'no-port' }, /bus.brokers.0.*host:port/],
    [{ HARVEST_JOBS: '[{"layer":"L","levels":[1],"bbox":[0,10,5,-10]}]' }, /minLat < maxLat/],
  ];
  for (const [env, message] of wrong) {
    it(`refuses ${JSON.stringify(env)} naming key, value and what is allowed`, () => {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
      );
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
  it('refuses unknown keys in a config file, naming the key and the file (a typo is not a silent default)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cfg-'));
    try {
      const cases: [unknown, RegExp][] = [
        [{ gibs: { concurency: 4 } }, /gibs\.concurency in typo\.json=4: unknown key \(not a setting of gibs\)/],
        [{ gibz: {} }, /gibz in typo\.json=\{\}: unknown key/],
        [{ bus: { kind: 'sqlite', brokers: ['k:9092'] } }, /bus\.brokers in typo\.json=\["k:9092"\]: unknown key/],
        [{ harvester: { jobs: [{ layer: 'L', levels: [1], level: 2 }] } }, /harvester\.jobs\[0\]\.level.*unknown key/],
      ];
      for (const [content, message] of cases) {
        await writeFile(path.join(dir, 'typo.json'), JSON.stringify(content));
        assert.throws(
          () => loadConfig({}, { cwd: dir, file: 'typo.json' }),
          (e: unknown) => e instanceof ConfigError && message.test(e.message),
          JSON.stringify(content),
        );
      }
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('refuses unknown keys given as overrides (flags) and variables that name another backend', () => {
    assert.throws(
      () => loadConfig({}, { overrides: { 'gibs.concurency': 4 } }),
      (e: unknown) => e instanceof ConfigError && /gibs\.concurency=4: unknown key/.test(e.message),
    );
    assert.throws(
      () => loadConfig({ KAFKA_BROKERS: 'k:9092', BUS_PATH: '/x/bus.db' }),
      (e: unknown) =>
        e instanceof ConfigError && /BUS_PATH \(config key bus\.path\)="\/x\/bus\.db": unknown key/.test(e.message),
    );
  });

  it('lets a variable that names a backend setting imply that backend', () => {
    const blobs = loadConfig({ BLOB_STORE_DIR: 'tiles-here' }, { cwd: '/srv/app' });
    assert.deepEqual(blobs.blobs, { kind: 'fs', root: '/srv/app/tiles-here' });
    const busPath = loadConfig({ BUS_PATH: 'my-bus.db' }, { cwd: '/srv/app' });
    assert.deepEqual(
      [busPath.bus.kind, busPath.bus.kind === 'sqlite' && busPath.bus.path],
      ['sqlite', '/srv/app/my-bus.db'],
    );
    const partitions = loadConfig({ BUS_PARTITIONS: '7' });
    assert.deepEqual([partitions.bus.kind, partitions.bus.partitions], ['sqlite', 7]);
    const kafka = loadConfig({ BUS_PARTITIONS: '7', KAFKA_BROKERS: 'k:9092' });
    assert.deepEqual([kafka.bus.kind, kafka.bus.partitions], ['kafka', 7]);
    const explicit = loadConfig({ BUS_KIND: 'sqlite', BUS_PATH: 'b.db' }, { cwd: '/srv/app' });
    assert.equal(explicit.bus.kind, 'sqlite');
  });

  it('holds the GIBS concurrency cap once: the cap itself is allowed, one more is not', () => {
    assert.equal(loadConfig({ GIBS_CONCURRENCY: String(GIBS_MAX_CONCURRENCY) }).gibs.concurrency, GIBS_MAX_CONCURRENCY);
    assert.throws(
      () => loadConfig({ GIBS_CONCURRENCY: String(GIBS_MAX_CONCURRENCY + 1) }),
      new RegExp(`<=${GIBS_MAX_CONCURRENCY}`),
    );
  });
});
