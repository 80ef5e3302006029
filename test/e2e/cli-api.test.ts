import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnCli } from '../support/pipeline-fixtures.js';
import { runCli } from '../support/run-cli.js';

/** `gibs-embed apikey` and `gibs-embed serve` as operators run them, on a fresh data folder. */
describe('gibs-embed apikey and serve', () => {
  let dataDir: string;
  let env: Record<string, string>;
  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'cli-api-'));
    env = { GIBS_EMBED_DATA_DIR: dataDir };
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates (printing the key once), lists and revokes keys; the file holds no key in the clear', async () => {
    const created = await runCli(['apikey', 'create', '--role', 'write', '--name', 'ci', '--json'], env);
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout) as { id: string; key: string; role: string; name: string };
    assert.equal(key.role, 'write');
    assert.equal(key.name, 'ci');
    assert.match(key.key, /^gek_[A-Za-z0-9_-]{43}$/);

    const human = await runCli(['apikey', 'create', '--role', 'read'], env);
    assert.equal(human.code, 0, human.stderr);
    const lines = human.stdout.trim().split('\n');
    assert.match(lines[0], /^created API key [0-9a-f-]{36} \(role read\); store it now, it is not shown again:$/);
    assert.match(lines[1], /^gek_[A-Za-z0-9_-]{43}$/);

    const file = await readFile(path.join(dataDir, 'api-keys.db'));
    assert.ok(!file.includes(key.key.slice(4)) && !file.includes(lines[1].slice(4)), 'only hashes at rest');

    const listed = await runCli(['apikey', 'list', '--json'], env);
    assert.equal(listed.code, 0, listed.stderr);
    const keys = JSON.parse(listed.stdout).keys as Array<{ id: string; name: string; role: string; revoked: boolean }>;
    assert.deepEqual(
      keys.map((k) => [k.role, k.name, k.revoked]),
      [
        ['write', 'ci', false],
        ['read', '', false],
      ],
    );
    assert.ok(!listed.stdout.includes('gek_'), 'list never prints a secret');
    const table = await runCli(['apikey', 'list'], env);
    assert.match(table.stdout, /^id\s+role\s+name\s+created\s+last used/);
    assert.match(
      table.stdout,
      new RegExp(`${key.id}\\s+write\\s+ci\\s+\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\s+never`),
    );

    const revoked = await runCli(['apikey', 'revoke', key.id], env);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(revoked.stdout, `revoked API key ${key.id}\n`);
    const after = JSON.parse((await runCli(['apikey', 'list', '--json'], env)).stdout).keys as Array<{ id: string }>;
    assert.deepEqual(
      after.map((k) => k.id),
      [keys[1].id],
    );
    const all = JSON.parse((await runCli(['apikey', 'list', '--all', '--json'], env)).stdout).keys;
    assert.equal(all.length, 2);
    assert.equal(all[0].revoked, true);

    const again = await runCli(['apikey', 'revoke', key.id], env);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /no API key .* \(or it is revoked already\)/);
    const badRole = await runCli(['apikey', 'create', '--role', 'root'], env);
    assert.equal(badRole.code, 2);
    assert.match(badRole.stderr, /--role.*expected one of read, write, admin, got "root"/);
  });

  it('serve answers /healthz and /readyz on its port, a key from apikey create works, and SIGINT exits 130', async () => {
    const created = JSON.parse((await runCli(['apikey', 'create', '--role', 'admin', '--json'], env)).stdout);
    const cli = spawnCli(['serve', '--port', '0'], env);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not start: ${cli.stderr()}`)), 60_000);
        const poll = setInterval(() => {
          const match = /API and web page at (http:\/\/\S+)/.exec(cli.stdout());
          if (match) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve(match[1]);
          }
        }, 50);
        void cli.exited.then(({ code }) => {
          clearInterval(poll);
          clearTimeout(timer);
          reject(new Error(`serve exited ${code}: ${cli.stderr()}`));
        });
      });
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const health = await fetch(new URL('/healthz', url));
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      const ready = await fetch(new URL('/readyz', url));
      assert.equal(ready.status, 200, await ready.clone().text());
      const metrics = await fetch(new URL('/metrics', url));
      assert.match(await metrics.text(), /gibs_embed_api_request_seconds/);
      const keys = await fetch(new URL('/v1/apikeys', url), { headers: { authorization: `Bearer ${created.key}` } });
      assert.equal(keys.status, 200);
      const anonymous = await fetch(new URL('/v1/apikeys', url));
      assert.equal(anonymous.status, 401);
      // nothing embedded yet: a search says so
      const search = await fetch(new URL('/v1/search', url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ positives: [{ vector: [1, 0] }] }),
      });
      assert.equal(search.status, 409);
    } finally {
      cli.proc.kill('SIGINT');
    }
    const { code } = await cli.exited;
    assert.equal(code, 130, cli.stderr());
  });
});
