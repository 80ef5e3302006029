import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FsBlobStore } from '../../../../shared/blob/index.js';
import { AppError, ValidationError } from '../../../../shared/errors/index.js';
import { checkpointErrorCodes } from '../../../../shared/model/checkpoint/index.js';
import { scheduleErrorCodes } from '../../../../shared/schedule/index.js';
import { GATE_FILE, RANDOM_CHECKPOINT_CREATED_AT, parseGateRecord } from '../../../../shared/model/registry/index.js';
import { lifecycleErrorCodes, type CycleResult } from '../../../../services/trainer/lifecycle/index.js';
import { kit } from '../../../support/data-kit.js';
import { readAnnouncements } from './bus-reader.js';
import { openHarness, openSharedStore, removeWork, tmpWork, type CycleHarness } from './cycle-harness.js';
import type { MosaicTileStore } from './mosaic-tile-store.js';
import { saveMiscalibratedCheckpoint } from '../../../support/serving-fixtures.js';

const hasCode = (code: string) => (e: unknown) => e instanceof AppError && e.code === code;

/**
 * The trainer's lifecycle end to end in one process: a real tile store cut from the kit's MODIS mosaic, a
 * real registry and SQLite bus on temp files, real (tiny) tfjs training and the real ONNX evaluation.
 */
describe('the periodic trainer: sample, fine-tune, register, gate, promote', () => {
  let work: string;
  let blobs: FsBlobStore;
  let store: MosaicTileStore;
  const open: CycleHarness[] = [];
  before(async () => {
    work = await tmpWork('trainer-cycle-');
    ({ blobs, store } = await openSharedStore(work));
  });
  after(async () => {
    for (const h of open) await h.close();
    await blobs.close();
    await removeWork(work);
  });
  const harness = async (
    ...args: Parameters<typeof openHarness> extends [unknown, unknown, ...infer R] ? R : never
  ) => {
    const h = await openHarness(work, blobs, ...args);
    open.push(h);
    return h;
  };
  /** publishes and promotes a serving checkpoint that any fine-tuning beats */
  const serveMiscalibrated = async (h: CycleHarness) => {
    const meta = await saveMiscalibratedCheckpoint(path.join(work, `serving-${open.length}`));
    await h.registry.publish(path.join(work, `serving-${open.length}`));
    await h.registry.promote(meta.id);
    return meta;
  };

  it('skips a run while the window holds fewer than minTiles tiles, before touching the registry', async () => {
    const h = await harness({ minTiles: 1000 });
    const result = await h.trainer.runOnce();
    assert.equal(result.outcome, 'skipped');
    assert.match(
      result.reason ?? '',
      /^40 trainable tiles dated 2020-09-24\.\.2020-09-30, fewer than trainer\.minTiles = 1000$/,
    );
    assert.ok(h.logs.some((l) => l.msg.startsWith('trainer run skipped: 40 trainable tiles')));
    assert.deepEqual(await h.registry.list(), [], 'no serving checkpoint was even created');
    assert.equal(await h.count('skipped'), 1);
  });

  it('promotes a candidate that beats the serving model and announces it on `models` with its metrics', async () => {
    const h = await harness();
    const serving = await serveMiscalibrated(h);
    const result = (await h.trainer.runOnce()) as CycleResult;
    assert.equal(result.outcome, 'promoted', result.reason ?? result.decision?.reasons.join('; '));
    const candidate = result.candidate!;
    assert.equal(result.announced, true);
    assert.equal((await h.registry.latest())?.id, candidate.id);
    assert.equal(candidate.parent, serving.id);
    assert.equal(candidate.technique, 'simclr');
    assert.equal(candidate.metrics.steps, 20);
    // trained on the window only: the August copies of the same tiles stayed out
    assert.deepEqual([candidate.data_window.from, candidate.data_window.to], ['2020-09-27', '2020-09-27']);
    assert.equal(candidate.data_window.images, store.cells.train.length);

    // the verdict is stored with the checkpoint, and the gate really compared the two on the held-out tiles
    const gate = parseGateRecord(await h.registry.readFile(candidate.id, GATE_FILE), candidate.id);
    assert.equal(gate.promote, true);
    assert.equal(gate.serving, serving.id);
    assert.equal(gate.primary_key, 'tiles_shifted_recall@10');
    const [cand, cur] = [gate.candidate[gate.primary_key], gate.serving_metrics[gate.primary_key]];
    assert.ok(cand > cur, `${cand} vs ${cur}`);

    const messages = await readAnnouncements(h.bus);
    assert.equal(messages.length, 1);
    assert.deepEqual([messages[0].reason, messages[0].id, messages[0].previous], ['gate', candidate.id, serving.id]);
    assert.deepEqual(messages[0].metrics, gate.candidate);
    assert.equal(await h.count('promoted'), 1);
    assert.equal((await h.metrics.promotions.get()).values[0].value, 1);
    assert.ok(((await h.metrics.lastRunSeconds.get()).values[0].value ?? 0) > 0);
    assert.deepEqual(await h.runFolders(), [], 'the run folder is removed');
  });

  it('keeps a candidate the gate refuses, registered with its verdict; a fresh registry serves the seeded random model', async () => {
    // no gain can exceed 1: the gate must refuse
    const h = await harness({ promotionMargin: 1 });
    const result = (await h.trainer.runOnce()) as CycleResult;
    assert.equal(result.outcome, 'kept');
    const latest = await h.registry.latest();
    assert.equal(latest?.technique, 'random');
    assert.equal(latest?.created_at, RANDOM_CHECKPOINT_CREATED_AT);
    assert.equal(result.serving, latest?.id);
    const candidate = result.candidate!;
    assert.equal(candidate.parent, latest?.id);
    assert.deepEqual((await h.registry.list()).map((m) => m.id).sort(), [latest!.id, candidate.id].sort());
    const gate = parseGateRecord(await h.registry.readFile(candidate.id, GATE_FILE), candidate.id);
    assert.equal(gate.promote, false);
    assert.equal(gate.promotion_margin, 1);
    assert.ok(
      gate.reasons.some((r) => r.startsWith('not better: tiles shifted recall@10')),
      gate.reasons.join('; '),
    );
    assert.ok(h.logs.some((l) => l.msg.startsWith('candidate kept unpromoted: the gate keeps')));
    assert.deepEqual(await readAnnouncements(h.bus), []);
    assert.equal(await h.count('kept'), 1);
  });

  it('refuses a tampered serving checkpoint: nothing is trained or registered, and the run counts as failed', async () => {
    const h = await harness();
    const serving = await serveMiscalibrated(h);
    const weights = path.join(h.registry.root, 'checkpoints', serving.id, 'weights.bin');
    const bytes = await readFile(weights);
    bytes[100] ^= 0x01;
    await writeFile(weights, bytes);
    await assert.rejects(h.trainer.runOnce(), hasCode(checkpointErrorCodes.corrupt));
    assert.deepEqual(
      (await h.registry.list()).map((m) => m.id),
      [serving.id],
    );
    assert.equal((await h.registry.pointer())?.id, serving.id);
    assert.ok(h.logs.some((l) => l.msg.startsWith(`trainer run failed: ${checkpointErrorCodes.corrupt}`)));
    assert.equal(await h.count('failed'), 1);
    assert.deepEqual(await h.runFolders(), []);
  });

  it('never overlaps runs (ticks meanwhile are skipped) and stop() aborts the run without registering it', async () => {
    // a tick every second, and a run far longer than that
    const h = await harness({ schedule: '* * * * * *', steps: 100_000 });
    const serving = await serveMiscalibrated(h);
    // what a process killed mid-run leaves behind: removed when the trainer starts
    await mkdir(path.join(h.config.workDir, 'run-left-by-a-crash'), { recursive: true });
    await h.trainer.start();
    assert.ok(h.trainer.nextRun());
    assert.ok(h.logs.some((l) => l.msg === 'removing the folder of a run that did not finish'));
    const deadline = Date.now() + 30_000;
    while ((await h.count('busy')) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok((await h.count('busy')) >= 2, 'ticks during the run were skipped');
    assert.ok(h.trainer.busy());
    assert.deepEqual(await h.trainer.runOnce(), {
      outcome: 'busy',
      reason: 'a training run is still in progress; runs never overlap',
    });
    assert.equal(h.logs.filter((l) => l.msg === 'trainer run started').length, 1);

    await h.trainer.stop();
    assert.equal(h.trainer.busy(), false);
    assert.equal(h.trainer.nextRun(), null);
    assert.ok(h.logs.some((l) => l.msg.startsWith('trainer run aborted: stopped')));
    assert.equal(await h.count('aborted'), 1);
    assert.deepEqual(
      (await h.registry.list()).map((m) => m.id),
      [serving.id],
      'the partial checkpoint is not registered',
    );
    assert.deepEqual(await h.runFolders(), []);
    await assert.rejects(h.trainer.runOnce(), hasCode(lifecycleErrorCodes.trainerStopped));
  });

  it('without held-out tiles, evaluates on the labelled set when configured, else skips before training', async () => {
    // a store of the training cells only: nothing for the tile proxy
    const trainOnly = new FsBlobStore({ root: path.join(work, 'train-only'), fsync: false });
    try {
      for (const c of store.cells.train) {
        const key = store.keys.find((k) => k.endsWith(`/5/${c.row}/${c.col}.jpg`))!;
        await trainOnly.put(key, (await blobs.get(key))!);
      }
      const tilesDir = path.join(work, 'train-only', 'tiles');
      const bare = await openHarness(work, trainOnly, { tilesDir });
      open.push(bare);
      const skipped = await bare.trainer.runOnce();
      assert.equal(skipped.outcome, 'skipped');
      assert.match(
        skipped.reason ?? '',
        /^the gate has nothing to evaluate on: 0 tiles of the store lie wholly in held-out cells/,
      );
      assert.deepEqual(await bare.registry.list(), []);

      const labeled = await openHarness(work, trainOnly, { tilesDir, labeledDir: kit('labeled'), steps: 5 });
      open.push(labeled);
      await serveMiscalibrated(labeled);
      const result = (await labeled.trainer.runOnce()) as CycleResult;
      assert.ok(result.outcome === 'promoted' || result.outcome === 'kept', result.outcome);
      assert.equal(result.gate?.primary_key, 'labeled_precision@10');
      assert.ok(result.gate && result.gate.candidate['labeled_precision@10'] >= 0);
    } finally {
      await trainOnly.close();
    }
  });

  it('refuses a schedule node-cron would not run', async () => {
    const bad = await harness({ schedule: '61 * * * *' });
    await assert.rejects(bad.trainer.start(), (e: unknown) => {
      assert.ok(e instanceof ValidationError && e.code === scheduleErrorCodes.badSchedule);
      assert.match(e.message, /trainer\.schedule "61 \* \* \* \*" is not a valid cron expression/);
      return true;
    });
    const zone = await harness({ timezone: 'Mars/Olympus' });
    await assert.rejects(zone.trainer.start(), hasCode(scheduleErrorCodes.badSchedule));
    assert.equal(zone.trainer.nextRun(), null);
  });
});
