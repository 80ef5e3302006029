import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { smallCnn } from '../../shared/model/encoder/index.js';
import { saveCollapsedCheckpoint } from '../support/collapsed-checkpoint.js';
import { kit, tiles } from '../support/data-kit.js';
import { runCli } from '../support/run-cli.js';

const dataKit = kit();
// the place proxy's mosaics, named as a deployment's configuration would name its own
const mosaics = `${tiles.modisMosaic},${kit('gibs/mosaic/bluemarble_small_8192x4096.jpg')}`;

// set in before(): train registers its checkpoints in DATA_DIR/models, so every run gets its own data folder
let dataDir = '';
const cli = (args: string[]) => runCli(args, { GIBS_EMBED_DATA_DIR: dataDir });

/** The model commands chained as a user would: train a checkpoint on real tiles, embed a folder with it, evaluate it. */
describe('gibs-embed train → embed-images → eval', () => {
  let work: string;
  let checkpoint: string;
  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'cli-model-'));
    dataDir = path.join(work, 'data');
    checkpoint = path.join(work, 'ckpt');
  });
  after(async () => rm(work, { recursive: true, force: true }));

  it('trains a small encoder on real Blue Marble tiles into a verified checkpoint', async () => {
    const run = await cli([
      'train',
      '--data',
      path.join(dataKit, 'bluemarble/3'),
      '--arch',
      'small',
      '--input-size',
      '32',
      '--epochs',
      '2',
      '--batch',
      '16',
      '--workers',
      '2',
      '--technique',
      'simsiam',
      '--out',
      checkpoint,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.match(summary.id, /^ckpt-\d{14}-[0-9a-f]{12}$/);
    assert.equal(summary.metrics.steps, 8);
    assert.ok(Number.isFinite(summary.metrics.final_loss));
    const log = (await readFile(path.join(checkpoint, 'train-log.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(log.length, 8);
    const meta = JSON.parse(await readFile(path.join(checkpoint, 'metadata.json'), 'utf8'));
    assert.deepEqual(Object.keys(meta.files).sort(), ['model.onnx', 'train-log.jsonl', 'weights.bin']);
  });

  it('resumes from the checkpoint (its size and architecture), recording it as the parent', async () => {
    const parent = JSON.parse(await readFile(path.join(checkpoint, 'metadata.json'), 'utf8')) as { id: string };
    const child = path.join(work, 'resumed');
    const run = await cli([
      'train',
      '--data',
      path.join(dataKit, 'bluemarble/3'),
      '--init',
      checkpoint,
      '--resume',
      '--epochs',
      '3',
      '--batch',
      '16',
      '--workers',
      '1',
      '--technique',
      'simsiam',
      '--out',
      child,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const meta = JSON.parse(await readFile(path.join(child, 'metadata.json'), 'utf8')) as {
      parent: string;
      input_size: number;
      arch: { kind: string };
      metrics: { next_step: number; steps: number };
    };
    assert.equal(meta.parent, parent.id);
    assert.deepEqual([meta.input_size, meta.arch.kind], [32, 'small']);
    // 3 epochs of 4 steps in all, 8 of them done by the parent
    assert.deepEqual([meta.metrics.steps, meta.metrics.next_step], [4, 12]);
    const clash = await cli([
      'train',
      '--data',
      path.join(dataKit, 'bluemarble/3'),
      '--init',
      checkpoint,
      '--input-size',
      '64',
      '--out',
      path.join(work, 'clash'),
    ]);
    assert.equal(clash.code, 2);
    assert.match(clash.stderr, /trained at 32 px, not 64/);
  });

  it('embeds a folder with the checkpoint, one unit vector per image', async () => {
    const out = path.join(work, 'vectors.jsonl');
    const run = await cli(['embed-images', path.join(dataKit, 'labeled'), '--checkpoint', checkpoint, '--out', out]);
    assert.equal(run.code, 0, run.stderr);
    const lines = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { path: string; vector: number[] });
    assert.equal(lines.length, 9);
    assert.equal(lines[0].path, 'cloud_streets/cloudstreet_sample.jpg');
    for (const { vector } of lines) assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-4);
  });

  it('evaluates it beside the random-init and histogram baselines, and gates it against a collapsed encoder both ways', async () => {
    // known worse than anything that learned: one embedding for every image (see collapsed-checkpoint.ts)
    const collapsed = path.join(work, 'collapsed');
    await saveCollapsedCheckpoint(collapsed, smallCnn, 32);
    type Row = {
      name: string;
      report: {
        labeled: { precisionAt: Record<string, number>; chance: number };
        collapseStd: number;
        dim: number;
        proxy: { shifted: { recallAt: Record<string, number>; chance: Record<string, number> } };
      };
    };
    const labeled = path.join(dataKit, 'labeled');

    const promote = await cli([
      'eval',
      '--checkpoint',
      checkpoint,
      '--current',
      collapsed,
      '--labeled',
      labeled,
      '--mosaics',
      mosaics,
      '--json',
    ]);
    assert.equal(promote.code, 0, promote.stderr);
    const { rows, decision } = JSON.parse(promote.stdout) as {
      rows: Row[];
      decision: { promote: boolean; reasons: string[] };
    };
    assert.deepEqual(
      rows.map((r) => r.name),
      ['checkpoint', 'random-init(seed 1)', 'colour histogram', 'current'],
    );
    const [trained, , , current] = rows.map((r) => r.report);
    // the trained encoder has not collapsed and finds shifted views well above chance; the collapsed one is at chance
    assert.ok(
      trained.collapseStd * Math.sqrt(trained.dim) >= 0.1,
      `collapse ratio ${trained.collapseStd * Math.sqrt(trained.dim)}`,
    );
    assert.ok(
      trained.proxy.shifted.recallAt['10'] > 2 * trained.proxy.shifted.chance['10'],
      `recall@10 ${trained.proxy.shifted.recallAt['10']}`,
    );
    assert.equal(current.collapseStd, 0);
    assert.ok(Math.abs(current.labeled.precisionAt['10'] - current.labeled.chance) < 1e-12);
    assert.equal(decision.promote, true, decision.reasons.join('; '));

    const keep = await cli([
      'eval',
      '--checkpoint',
      collapsed,
      '--current',
      checkpoint,
      '--labeled',
      labeled,
      '--mosaics',
      mosaics,
    ]);
    assert.equal(keep.code, 3, keep.stderr);
    assert.match(keep.stdout, /gate: keep current\n {2}- candidate has collapsed/);
    assert.match(keep.stdout, /not better: shifted recall@10: candidate 0\.\d+ vs current 0\.\d+/);
  });

  it('refuses eval flags that name no usable evaluation set', async () => {
    const none = await cli(['eval', '--checkpoint', checkpoint]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /--labeled DIR, --mosaics FILE\[,FILE\], --tiles DIR/);
    const three = await cli(['eval', '--checkpoint', checkpoint, '--mosaics', 'a.jpg,b.jpg,c.jpg']);
    assert.equal(three.code, 2);
    assert.match(three.stderr, /one or two mosaic files/);
    // a data folder is not a mosaic: nothing is looked up inside it by the kit's file names
    const folder = await cli(['eval', '--checkpoint', checkpoint, '--mosaics', dataKit]);
    assert.equal(folder.code, 2);
    assert.match(folder.stderr, /is not a file/);
  });

  it('refuses a tampered checkpoint with a clear error and status 1', async () => {
    const tampered = path.join(work, 'tampered');
    await cli([
      'train',
      '--data',
      path.join(dataKit, 'bluemarble/2'),
      '--arch',
      'small',
      '--input-size',
      '32',
      '--epochs',
      '1',
      '--batch',
      '8',
      '--workers',
      '1',
      '--out',
      tampered,
    ]);
    const weights = path.join(tampered, 'weights.bin');
    const bytes = await readFile(weights);
    bytes[100] ^= 0xff;
    await writeFile(weights, bytes);
    const run = await cli([
      'embed-images',
      path.join(dataKit, 'labeled'),
      '--checkpoint',
      tampered,
      '--out',
      path.join(work, 'x.jsonl'),
    ]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /CHECKPOINT_CORRUPT.*weights.bin/);
  });

  it('refuses bad flags with status 2', async () => {
    const both = await cli(['train', '--data', dataKit, '--from-store']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /exactly one of --data DIR or --from-store/);
    assert.equal((await cli(['train', '--data', dataKit, '--technique', 'byol'])).code, 2);
    assert.equal((await cli(['train', '--data', dataKit, '--arch', 'vit'])).code, 2);
  });
});
