import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startReplayServer, type ReplayServer } from '../../services/replay/index.js';
import { kit, repositoryRoot } from '../support/data-kit.js';
import { runCli } from '../support/run-cli.js';

const repoRoot = repositoryRoot();
const dataKit = kit();
const layer = 'MODIS_Terra_CorrectedReflectance_TrueColor';

const harvest = (args: string[], env: Record<string, string>, timeoutMs = 0) =>
  runCli(['harvest', ...args], env, { timeoutMs });

/** The backfill command as a user runs it: JSON summary, idempotent rerun, exit 2 before any tile request on bad input. */
describe('gibs-embed harvest', () => {
  let replay: ReplayServer;
  let dataDir: string;
  let env: Record<string, string>;
  before(async () => {
    replay = await startReplayServer({ dataDir: dataKit });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'cli-harvest-'));
    env = { GIBS_EMBED_DATA_DIR: dataDir, GIBS_BASE_URL: replay.url };
  });
  after(async () => {
    await replay.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('harvests a date, prints a JSON summary, and a rerun fetches nothing new', async () => {
    const first = await harvest(['--layer', layer, '--from', '2020-09-27', '--level', '1', '--json'], env);
    assert.equal(first.code, 0, first.stderr);
    const summary = JSON.parse(first.stdout);
    assert.deepEqual(
      [summary.tiles, summary.fetched, summary.blank, summary.unchanged, summary.failed],
      [6, 6, 0, 0, 0],
    );
    assert.equal(typeof summary.seconds, 'number');
    const stored = await readFile(path.join(dataDir, 'blobs/tiles', layer, '2020-09-27/250m/1/0/0.jpg'));
    const served = Buffer.from(
      await (await fetch(`${replay.url}/wmts/epsg4326/best/${layer}/default/2020-09-27/250m/1/0/0.jpg`)).arrayBuffer(),
    );
    assert.ok(stored.equals(served));

    const again = JSON.parse(
      (await harvest(['--layer', layer, '--from', '2020-09-27', '--level', '1', '--json'], env)).stdout,
    );
    assert.deepEqual([again.fetched, again.unchanged], [0, 6]);
  });

  const refusals: [string, string[], RegExp][] = [
    [
      'an unknown layer',
      ['--layer', 'No_Such_Layer', '--from', '2020-09-27', '--level', '1'],
      /unknown layer "No_Such_Layer"/,
    ],
    ['a date out of range', ['--layer', layer, '--from', '2031-01-01', '--level', '1'], /outside the range/],
    [
      'a level too deep',
      ['--layer', layer, '--from', '2020-09-27', '--level', '10'],
      /level 10 is not available.*0\.\.8/,
    ],
    [
      'a malformed bbox',
      ['--layer', layer, '--from', '2020-09-27', '--level', '1', '--bbox', '0,95,10,96'],
      /--bbox.*lat in \[-90,90\]/,
    ],
    ['a malformed date', ['--layer', layer, '--from', '2020-02-30', '--level', '1'], /--from.*calendar date/],
  ];
  for (const [what, args, message] of refusals) {
    it(`refuses ${what} with status 2 before any tile request`, async () => {
      const tilesBefore = replay.stats().tiles + replay.stats().blanks;
      const result = await harvest(args, env);
      assert.equal(result.code, 2);
      assert.match(result.stderr, message);
      assert.equal(replay.stats().tiles + replay.stats().blanks, tilesBefore);
    });
  }

  it('refuses a data directory that is a regular file with status 2 naming the setting and the path', async () => {
    const file = path.join(dataDir, 'not-a-dir');
    await writeFile(file, 'x');
    const result = await harvest(['--layer', layer, '--from', '2020-09-27', '--level', '1'], {
      ...env,
      GIBS_EMBED_DATA_DIR: file,
    });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /GIBS_EMBED_DATA_DIR or --data-dir\) .*not-a-dir is not a directory/);
    assert.doesNotMatch(result.stderr, /EEXIST|\n\s+at /);
  });

  it(
    'refuses a data directory under /proc with status 2 instead of spinning forever',
    { timeout: 60_000 },
    async () => {
      // the child is killed after 30 s: a hang shows up as a failure, not a stuck suite
      const result = await harvest(
        ['--layer', layer, '--from', '2020-09-27', '--level', '1', '--data-dir', '/proc/gibs-embed/data'],
        env,
        30_000,
      );
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /\/proc\/gibs-embed\/data.*pseudo-filesystem/);
    },
  );
});

/** Ctrl-C during a backfill: in-flight tiles drain, the summary says interrupted, the status is 130, a rerun resumes. */
describe('gibs-embed harvest interrupted', () => {
  it('exits 130 on SIGINT after draining, and a rerun fetches only the rest', { timeout: 120_000 }, async () => {
    // slow tiles and one connection: the harvest of 15 tiles is still running when SIGINT arrives
    const slow = await startReplayServer({ dataDir: dataKit, faults: { latencyMs: 400 } });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cli-harvest-int-'));
    const args = ['--layer', layer, '--from', '2020-09-27', '--level', '2', '--json'];
    const env = {
      ...process.env,
      LOG_LEVEL: 'info',
      LOG_PRETTY: 'false',
      GIBS_EMBED_DATA_DIR: dir,
      GIBS_BASE_URL: slow.url,
      GIBS_CONCURRENCY: '1',
    };
    try {
      const child = spawn(process.execPath, [path.join(repoRoot, 'bin/gibs-embed.js'), 'harvest', ...args], {
        cwd: repoRoot,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const deadline = Date.now() + 60_000;
      while (slow.stats().tiles < 2) {
        if (Date.now() > deadline || child.exitCode !== null) assert.fail(`no tiles requested within 60 s: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGINT');
      assert.equal(await exited, 130, stderr);
      const first = JSON.parse(stdout) as { tiles: number; fetched: number; failed: number; interrupted: boolean };
      assert.equal(first.interrupted, true);
      assert.equal(first.failed, 0);
      assert.ok(first.fetched >= 1 && first.fetched < first.tiles, JSON.stringify(first));
      assert.match(stderr, /shutting down: draining in-flight work/);

      const rerun = await harvest(args, { GIBS_EMBED_DATA_DIR: dir, GIBS_BASE_URL: slow.url, GIBS_CONCURRENCY: '4' });
      assert.equal(rerun.code, 0, rerun.stderr);
      const second = JSON.parse(rerun.stdout) as {
        tiles: number;
        fetched: number;
        unchanged: number;
        interrupted: boolean;
      };
      // every tile the first run counted was stored and recorded before it exited
      assert.deepEqual(
        [second.interrupted, second.unchanged + second.fetched, second.fetched],
        [false, first.tiles, first.tiles - first.fetched],
      );
    } finally {
      await slow.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
