import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repositoryRoot } from '../support/data-kit.js';

const repoRoot = repositoryRoot();
const bin = path.join(repoRoot, 'bin/gibs-embed.js');

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: repoRoot, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('gibs-embed config', () => {
  it('prints the effective configuration with secrets masked', async () => {
    const { code, stdout } = await run(['config'], { KAFKA_BROKERS: 'k:9092', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 's3cret' });
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

  it('lists the environment variables', async () => {
    const { code, stdout } = await run(['config', '--env']);
    assert.equal(code, 0);
    assert.match(stdout, /GIBS_BASE_URL\s+gibs.baseUrl/);
  });
});
