import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startReplayServer, type ReplayServer } from '../../services/replay/index.js';
import { kit, repositoryRoot } from '../support/data-kit.js';

const repoRoot = repositoryRoot();
const dataKit = kit();
const layer = 'MODIS_Terra_CorrectedReflectance_TrueColor';

function harvest(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(repoRoot, 'bin/gibs-embed.js'), 'harvest', ...args], { cwd: repoRoot, env: { ...process.env, LOG_LEVEL: 'warn', ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

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
    assert.deepEqual([summary.tiles, summary.fetched, summary.blank, summary.unchanged, summary.failed], [6, 6, 0, 0, 0]);
    assert.equal(typeof summary.seconds, 'number');
    const stored = await readFile(path.join(dataDir, 'blobs/tiles', layer, '2020-09-27/250m/1/0/0.jpg'));
    const served = Buffer.from(await (await fetch(`${replay.url}/wmts/epsg4326/best/${layer}/default/2020-09-27/250m/1/0/0.jpg`)).arrayBuffer());
    assert.ok(stored.equals(served));

    const again = JSON.parse((await harvest(['--layer', layer, '--from', '2020-09-27', '--level', '1', '--json'], env)).stdout);
    assert.deepEqual([again.fetched, again.unchanged], [0, 6]);
  });

  const refusals: [string, string[], RegExp][] = [
    ['an unknown layer', ['--layer', 'No_Such_Layer', '--from', '2020-09-27', '--level', '1'], /unknown layer "No_Such_Layer"/],
    ['a date out of range', ['--layer', layer, '--from', '2031-01-01', '--level', '1'], /outside the range/],
    ['a level too deep', ['--layer', layer, '--from', '2020-09-27', '--level', '10'], /level 10 is not available.*0\.\.8/],
    ['a malformed bbox', ['--layer', layer, '--from', '2020-09-27', '--level', '1', '--bbox', '0,95,10,96'], /--bbox.*lat in \[-90,90\]/],
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
});
