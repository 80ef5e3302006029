import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { addCheckpointFiles, type CheckpointMeta } from '../../shared/model/checkpoint/index.js';
import { compareReports, type EvalReport } from '../../shared/model/eval/index.js';
import { encodeGateRecord, gateRecord, type GateRecord } from '../../shared/model/registry/index.js';
import { runCli as cli } from '../support/run-cli.js';
import { openModelsBus, readAnnouncements } from '../unit/trainer/lifecycle/bus-reader.js';
import { saveRandomCheckpoint } from '../support/serving-fixtures.js';

const tilesReport = (recall10: number): EvalReport => ({
  datasetId: 'sets',
  tiles: { shifted: { recallAt: { 10: recall10 }, queries: 60, gallery: 60, chance: { 10: 0.17 } } },
  collapseStd: 0.1,
  dim: 16,
  seconds: 1,
});

interface ListJson {
  latest: { id: string; previous: string | null } | null;
  checkpoints: { id: string; latest: boolean; parent: string | null; gate: GateRecord | null }[];
}

/** `gibs-embed models` as an operator runs it: list, promote (an id or a directory), roll back; each move announced. */
describe('gibs-embed models', () => {
  let work: string;
  let env: Record<string, string>;
  const dirs: string[] = [];
  const metas: CheckpointMeta[] = [];
  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'cli-models-'));
    env = { GIBS_EMBED_DATA_DIR: path.join(work, 'data'), MODEL_REGISTRY_DIR: path.join(work, 'registry') };
    for (let i = 0; i < 3; i++) {
      dirs.push(path.join(work, `ckpt-${i}`));
      metas.push(await saveRandomCheckpoint(dirs[i], 20 + i, `2026-11-0${i + 1}T00:00:00.000Z`));
    }
    // the second one carries a gate verdict, as the trainer leaves it
    const decision = compareReports(tilesReport(0.6), tilesReport(0.4), { primary: { task: 'tiles', k: 10 } });
    const gate = gateRecord({
      serving: metas[0].id,
      primary: { task: 'tiles', k: 10 },
      promotionMargin: 0.01,
      decision,
      candidate: tilesReport(0.6),
      current: tilesReport(0.4),
      now: new Date('2026-11-02T01:00:00Z'),
    });
    await addCheckpointFiles(dirs[1], { 'gate.json': encodeGateRecord(gate) });
  });
  after(async () => rm(work, { recursive: true, force: true }));

  it('lists nothing and refuses to roll back before anything was promoted', async () => {
    const list = await cli(['models'], env);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, `no checkpoints in ${env.MODEL_REGISTRY_DIR}\n`);
    const rollback = await cli(['models', 'rollback'], env);
    assert.equal(rollback.code, 2);
    assert.match(rollback.stderr, /REGISTRY_NO_PREVIOUS: nothing to roll back: no checkpoint has been promoted/);
  });

  it('promotes a directory (registering it first) and then a registry id, and lists which one is latest', async () => {
    const first = await cli(['models', 'promote', dirs[0], '--json'], env);
    assert.equal(first.code, 0, first.stderr);
    const promoted = JSON.parse(first.stdout) as { id: string; promoted: boolean; announcement: { reason: string } };
    assert.deepEqual([promoted.id, promoted.promoted, promoted.announcement.reason], [metas[0].id, true, 'manual']);

    await cli(['models', 'promote', dirs[1]], env); // registered, not yet latest... then by id:
    const byId = await cli(['models', 'promote', metas[1].id], env);
    assert.equal(byId.code, 0, byId.stderr);
    assert.equal(byId.stdout, `${metas[1].id} is already latest; nothing moved\n`);

    const list = await cli(['models', 'list', '--json'], env);
    assert.equal(list.code, 0, list.stderr);
    const listed = JSON.parse(list.stdout) as ListJson;
    assert.deepEqual(listed.latest && [listed.latest.id, listed.latest.previous], [metas[1].id, metas[0].id]);
    assert.deepEqual(
      listed.checkpoints.map((c) => [c.id, c.latest]),
      [
        [metas[0].id, false],
        [metas[1].id, true],
      ],
    );
    assert.equal(listed.checkpoints[0].gate, null);
    assert.equal(listed.checkpoints[1].gate?.candidate['tiles_shifted_recall@10'], 0.6);

    const text = await cli(['models'], env);
    const lines = text.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^\s+ID\s+TECHNIQUE\s+CREATED\s+PARENT\s+DATA WINDOW\s+LOSS\s+GATE$/);
    assert.match(
      lines[1],
      new RegExp(`^ {3}${metas[0].id}\\s+random\\s+2026-11-01 00:00\\s+-\\s+none\\.\\.none \\(0 images\\)`),
    );
    assert.match(
      lines[2],
      new RegExp(`^\\* {2}${metas[1].id} .* tiles_shifted_recall@10 0\\.6000 vs 0\\.4000: promote$`),
    );
  });

  it('rolls back to the previous checkpoint, and refuses to go further than the first', async () => {
    const back = await cli(['models', 'rollback', '--json'], env);
    assert.equal(back.code, 0, back.stderr);
    assert.deepEqual(JSON.parse(back.stdout).id, metas[0].id);
    const again = await cli(['models', 'rollback'], env);
    assert.equal(again.code, 2);
    assert.match(again.stderr, new RegExp(`nothing to roll back to: ${metas[0].id} is the only checkpoint`));
  });

  it('refuses bad arguments with status 2 and a tampered checkpoint with status 1; latest keeps serving', async () => {
    const notId = await cli(['models', 'promote', 'not-a-checkpoint'], env);
    assert.equal(notId.code, 2);
    assert.match(notId.stderr, /checkpoint "not-a-checkpoint" is neither a checkpoint directory nor a registry id/);
    const unknown = await cli(['models', 'promote', 'ckpt-20990101000000-0123456789ab'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /holds no checkpoint ckpt-20990101000000-0123456789ab/);
    const word = await cli(['models', 'frob'], env);
    assert.equal(word.code, 2);
    assert.match(word.stderr, /unknown models subcommand "frob": expected list, promote CHECKPOINT or rollback/);

    const tampered = path.join(work, 'tampered');
    await cp(dirs[2], tampered, { recursive: true });
    const weights = await readFile(path.join(tampered, 'weights.bin'));
    weights[7] ^= 0x40;
    await writeFile(path.join(tampered, 'weights.bin'), weights);
    const refused = await cli(['models', 'promote', tampered], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /CHECKPOINT_CORRUPT/);
    assert.deepEqual(
      (await readdir(path.join(env.MODEL_REGISTRY_DIR, 'checkpoints'))).sort(),
      [metas[0].id, metas[1].id].sort(),
      'the tampered copy was not registered',
    );

    // every move, and only the moves, are on the models topic
    const bus = await openModelsBus(path.join(env.GIBS_EMBED_DATA_DIR, 'bus.db'));
    try {
      const messages = await readAnnouncements(bus);
      assert.deepEqual(
        messages.map((m) => [m.reason, m.id, m.previous]),
        [
          ['manual', metas[0].id, null],
          ['manual', metas[1].id, metas[0].id],
          ['rollback', metas[0].id, metas[1].id],
        ],
      );
    } finally {
      await bus.close();
    }
  });
});
