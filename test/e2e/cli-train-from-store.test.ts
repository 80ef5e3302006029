import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startReplayServer, type ReplayServer } from '../../services/replay/index.js';
import { kit } from '../support/data-kit.js';
import { runCli as cli } from '../support/run-cli.js';

const dataKit = kit();

/** The trainer fed by the harvest: tiles in the tile store become training data, minus the held-out places. */
describe('gibs-embed train --from-store', () => {
  let replay: ReplayServer;
  let dataDir: string;
  let env: Record<string, string>;
  before(async () => {
    replay = await startReplayServer({ dataDir: dataKit });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'train-store-'));
    env = { GIBS_EMBED_DATA_DIR: dataDir, GIBS_BASE_URL: replay.url };
  });
  after(async () => {
    await replay.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses an empty tile store clearly', async () => {
    const run = await cli(
      ['train', '--from-store', '--arch', 'small', '--input-size', '32', '--epochs', '1', '--batch', '4'],
      env,
    );
    assert.equal(run.code, 2);
    assert.match(run.stderr, /NO_TRAINING_DATA: the tile store holds no training tiles/);
  });

  it('trains on harvested tiles and records the data window', async () => {
    const harvest = await cli(
      [
        'harvest',
        '--layer',
        'MODIS_Terra_CorrectedReflectance_TrueColor',
        '--from',
        '2020-09-27',
        '--level',
        '2',
        '--json',
      ],
      env,
    );
    assert.equal(harvest.code, 0, harvest.stderr);
    assert.equal(JSON.parse(harvest.stdout).fetched, 15);
    const out = path.join(dataDir, 'ckpt');
    const run = await cli(
      [
        'train',
        '--from-store',
        '--arch',
        'small',
        '--input-size',
        '32',
        '--epochs',
        '2',
        '--batch',
        '4',
        '--workers',
        '1',
        '--out',
        out,
      ],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    const { data_window: window } = JSON.parse(run.stdout) as {
      data_window: { from: string; to: string; layers: string[]; images: number };
    };
    assert.deepEqual(
      [window.from, window.to, window.layers],
      ['2020-09-27', '2020-09-27', ['MODIS_Terra_CorrectedReflectance_TrueColor']],
    );
    // level-2 tiles span cells of both sides: they are used with the held-out cells blacked out
    assert.ok(window.images >= 10 && window.images <= 15, `images ${window.images}`);
  });
});
