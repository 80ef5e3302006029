import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { envVars } from '../../shared/config/index.js';
import { repositoryRoot } from '../support/data-kit.js';
import { runCli as run } from '../support/run-cli.js';

const repoRoot = repositoryRoot();

describe('gibs-embed config', () => {
  it('prints the effective configuration with secrets masked', async () => {
    const { code, stdout } = await run(['config'], {
      KAFKA_BROKERS: 'k:9092',
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 's3cret',
    });
    assert.equal(code, 0);
    const config = JSON.parse(stdout);
    assert.equal(config.bus.kind, 'kafka');
    assert.equal(config.bus.sasl.password, '****');
    assert.ok(!stdout.includes('s3cret'));
  });

  it('exits 2 naming the key, the value and what is allowed', async () => {
    const { code, stderr, stdout } = await run(['config'], { GIBS_MAX_MBPS: '400' });
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /GIBS_MAX_MBPS \(config key gibs.maxMbps\)=400: .*<=50/);
  });

  it('exits 2 on an unknown command or a bad flag value', async () => {
    assert.equal((await run(['nonsense'])).code, 2);
    const bad = await run(['replay', '--port', 'eighty']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--port.*expected an integer/);
  });

  it('lists the environment variables, every one the README names among them', async () => {
    const { code, stdout } = await run(['config', '--env']);
    assert.equal(code, 0);
    assert.match(stdout, /GIBS_BASE_URL\s+gibs.baseUrl/);
    assert.match(stdout, /GIBS_CONCURRENCY\s+gibs.concurrency\s+parallel tile requests \(1-32\)/);
    assert.match(stdout, /MODEL_REGISTRY_DIR\s+model.registryDir/);
    for (const v of envVars) assert.match(stdout, new RegExp(`^${v.name} `, 'm'));
    const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(
      readme.indexOf('## Configuration'),
      readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1),
    );
    const table = section.split('\n').filter((line) => line.startsWith('| `'));
    const named = table.flatMap((line) => [...line.split('|')[1].matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]));
    assert.ok(named.length >= 10, `README variable table not found: ${named.join(', ')}`);
    for (const name of named)
      assert.ok(
        envVars.some((v) => v.name === name),
        `README lists ${name}, which \`config --env\` does not know`,
      );
  });

  it('exits 2 naming an unknown key in the config file (a typo is not silently ignored)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cli-config-'));
    try {
      const file = path.join(dir, 'typo.json');
      await writeFile(file, JSON.stringify({ gibs: { concurency: 4 } }));
      const { code, stderr, stdout } = await run(['--config', file, 'config']);
      assert.equal(code, 2);
      assert.equal(stdout, '');
      assert.match(stderr, /gibs\.concurency in .*typo\.json=4: unknown key/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('takes BLOB_STORE_DIR or BUS_PATH alone as choosing that backend', async () => {
    const blobs = await run(['config'], { BLOB_STORE_DIR: '/srv/tiles' });
    assert.equal(blobs.code, 0, blobs.stderr);
    assert.deepEqual(JSON.parse(blobs.stdout).blobs, { kind: 'fs', root: '/srv/tiles' });
    const bus = await run(['config'], { BUS_PATH: '/srv/bus.db' });
    assert.equal(bus.code, 0, bus.stderr);
    assert.deepEqual([JSON.parse(bus.stdout).bus.kind, JSON.parse(bus.stdout).bus.path], ['sqlite', '/srv/bus.db']);
  });
});
