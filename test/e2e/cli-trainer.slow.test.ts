import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { FsBlobStore } from '../../shared/blob/index.js';
import { FsModelRegistry, type ModelAnnouncement } from '../../shared/model/registry/index.js';
import { repositoryRoot } from '../support/data-kit.js';
import { runCli as cli } from '../support/run-cli.js';
import { openModelsBus, readAnnouncements } from '../unit/trainer/lifecycle/bus-reader.js';
import { fillMosaicTileStore } from '../unit/trainer/lifecycle/mosaic-tile-store.js';
import { saveMiscalibratedCheckpoint } from '../support/serving-fixtures.js';

const repoRoot = repositoryRoot();
const DAY_MS = 86_400_000;
const today = new Date().toISOString().slice(0, 10);
const longAgo = new Date(Date.now() - 60 * DAY_MS).toISOString().slice(0, 10);

/**
 * The trainer as it runs in production: `gibs-embed start --only trainer` on a data directory whose tile store
 * holds recent real imagery, a run on start, the gate, the promotion on the `models` topic, its metrics, and a
 * clean stop on SIGTERM; and `gibs-embed train --from-store` narrowed to the same window and a sample.
 */
describe('the trainer service and train --from-store --window-days --sample', () => {
  let work: string;
  let env: Record<string, string>;
  let trainTiles = 0;
  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'cli-trainer-'));
    const dataDir = path.join(work, 'data');
    env = { GIBS_EMBED_DATA_DIR: dataDir, MODEL_REGISTRY_DIR: path.join(work, 'registry') };
    const blobs = new FsBlobStore({ root: path.join(dataDir, 'blobs'), fsync: false });
    const store = await fillMosaicTileStore(blobs, { cells: { train: 40, eval: 60 }, dates: [today], size: 128 });
    trainTiles = store.cells.train.length;
    // the same training tiles two months old: outside every window below
    for (const key of store.keys) {
      const bytes = await blobs.get(key);
      if (bytes) await blobs.put(key.replace(`/${today}/`, `/${longAgo}/`), bytes);
    }
    await blobs.close();
  });
  after(async () => rm(work, { recursive: true, force: true }));

  it('start --only trainer: runs on start, promotes through the gate, announces, counts, and stops on SIGTERM', async () => {
    const registry = new FsModelRegistry({ root: env.MODEL_REGISTRY_DIR });
    const servingDir = path.join(work, 'serving');
    const serving = await saveMiscalibratedCheckpoint(servingDir);
    await registry.publish(servingDir);
    await registry.promote(serving.id);
    const configFile = path.join(work, 'config.json');
    await writeFile(
      configFile,
      JSON.stringify({
        trainer: { runOnStart: true, minTiles: 10, windowDays: 7, sampleSize: 64, steps: 20, batchSize: 8, workers: 1 },
      }),
    );
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/gibs-embed.js'), 'start', '--only', 'trainer'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        ...env,
        GIBS_EMBED_CONFIG: configFile,
        OPS_PORT: '0',
        LOG_PRETTY: 'false',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const messages: string[] = [];
    let opsUrl: string | undefined;
    let promoted: string | undefined;
    try {
      const lines = readline.createInterface({ input: child.stderr! });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no trainer run within 150 s:\n${messages.join('\n')}`)),
          150_000,
        );
        lines.on('line', (line) => {
          const entry = JSON.parse(line) as { msg?: string; ops?: string; candidate?: string };
          messages.push(entry.msg ?? '');
          if (entry.msg === 'gibs-embed started') opsUrl = entry.ops;
          if (entry.msg === 'candidate promoted') promoted = entry.candidate;
          if (entry.msg === 'trainer run finished' && opsUrl) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on('exit', () => reject(new Error(`exited early:\n${messages.join('\n')}`)));
      });
      assert.ok(promoted, messages.join('\n'));
      const metrics = await (await fetch(`${opsUrl}/metrics`)).text();
      assert.match(metrics, /gibs_embed_trainer_runs_total\{outcome="promoted"\} 1/);
      assert.match(metrics, /gibs_embed_trainer_promotions_total 1/);
      assert.equal((await fetch(`${opsUrl}/readyz`)).status, 200);
      child.kill('SIGTERM');
      assert.equal(await exited, 130);
      assert.ok(messages.includes('trainer stopped'), messages.join('\n'));
    } finally {
      child.kill('SIGKILL');
    }
    const latest = await registry.latest();
    assert.equal(latest?.id, promoted);
    assert.equal(latest?.parent, serving.id);
    assert.deepEqual([latest?.data_window.from, latest?.data_window.to], [today, today]);
    await registry.close();
    const bus = await openModelsBus(path.join(env.GIBS_EMBED_DATA_DIR, 'bus.db'));
    try {
      const announced: ModelAnnouncement[] = await readAnnouncements(bus);
      assert.deepEqual(
        announced.map((m) => [m.reason, m.id, m.previous]),
        [['gate', promoted, serving.id]],
      );
    } finally {
      await bus.close();
    }
  });

  it('train --from-store --window-days N --sample N trains on a seeded sample of the window only', async () => {
    const small = ['--arch', 'small', '--input-size', '32', '--steps', '2', '--batch', '4', '--workers', '1'];
    const out = path.join(work, 'sampled');
    const run = await cli(
      ['train', '--from-store', '--window-days', '3', '--sample', '12', ...small, '--out', out, '--seed', '5'],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as {
      data_window: { from: string; to: string; images: number };
      sample: { tiles: number; population: number; window: { from: string; to: string } };
    };
    assert.deepEqual(summary.sample.window.to, today);
    assert.equal(summary.sample.population, trainTiles, 'the old copies are outside the window');
    assert.equal(summary.sample.tiles, 12);
    assert.deepEqual(
      [summary.data_window.from, summary.data_window.to, summary.data_window.images],
      [today, today, 12],
    );

    const misuse = await cli(['train', '--data', work, '--sample', '5', ...small], env);
    assert.equal(misuse.code, 2);
    assert.match(misuse.stderr, /--window-days and --sample select tiles of the tile store: add --from-store/);
  });
});
