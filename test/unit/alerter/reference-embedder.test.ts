import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError, ValidationError, errorCodes } from '../../../shared/errors/index.js';
import { openQueryEmbedder } from '../../../shared/model/infer/index.js';
import { FsModelRegistry, registryErrorCodes } from '../../../shared/model/registry/index.js';
import {
  alerterErrorCodes,
  createAlerter,
  createRegistryReferenceEmbedder,
  type ReferenceEmbedder,
} from '../../../services/alerter/index.js';
import { NOW, dot, embedded } from '../../support/alerter-fixtures.js';
import { corruptJpeg, l2, readTiles } from '../../support/model-fixtures.js';
import { saveRandomCheckpoint } from '../../support/serving-fixtures.js';
import { fastOptions, openHarness } from './harness.js';

/** The real path: checkpoints in a registry → ONNX → the alerter's rules embedded with the tiles' model. */
describe('reference embedder and model changes (real checkpoints, real tiles)', () => {
  let scratch: string;
  let registry: FsModelRegistry;
  let modelA: string;
  let modelB: string;
  let tiles: Uint8Array[];
  /** what a query embedder (= the embedders' path) makes of each tile under each model */
  const truth = new Map<string, Float32Array[]>();

  before(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'alerter-reference-'));
    registry = new FsModelRegistry({ root: path.join(scratch, 'models') });
    const ids: string[] = [];
    for (const [seed, created] of [
      [1, '2026-01-01T00:00:00.000Z'],
      [2, '2026-02-01T00:00:00.000Z'],
    ] as const) {
      const dir = path.join(scratch, `ckpt-${seed}`);
      await saveRandomCheckpoint(dir, seed, created);
      ids.push((await registry.publish(dir)).id);
    }
    [modelA, modelB] = ids;
    tiles = (await readTiles()).slice(0, 5);
    for (const id of ids) {
      const query = await openQueryEmbedder({ checkpoint: await registry.checkpointDir(id), intraOpThreads: 1 });
      truth.set(id, await query.embed(tiles.map((bytes, i) => ({ label: `tile ${i}`, bytes }))));
      await query.close();
    }
  });
  after(async () => {
    await registry.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('embeds with the named model exactly as the query path does, loads each model once, unloads idle ones', async () => {
    const embedder = createRegistryReferenceEmbedder({ registry, idleCloseMs: 0 });
    try {
      const a = await embedder.embed(modelA, [{ label: 'ref', bytes: tiles[0] }]);
      assert.deepEqual(a, [truth.get(modelA)![0]]);
      assert.ok(Math.abs(l2(a[0]) - 1) < 1e-5);
      const [b0, b1] = await embedder.embed(modelB, [
        { label: 'ref', bytes: tiles[0] },
        { label: 'other', bytes: tiles[1] },
      ]);
      assert.deepEqual([b0, b1], truth.get(modelB)!.slice(0, 2));
      assert.ok(dot(a[0], b0) < 0.999, 'the two models give different vectors for one image (not vacuous)');
      // model A went idle (idleCloseMs 0) and was unloaded; asking again loads it again
      assert.deepEqual(await embedder.embed(modelA, [{ label: 'ref', bytes: tiles[0] }]), a);
    } finally {
      await embedder.close();
    }
    await assert.rejects(
      embedder.embed(modelA, [{ label: 'x', bytes: tiles[0] }]),
      (e: unknown) => e instanceof AppError && e.code === alerterErrorCodes.embedderClosed,
    );
  });

  it('refuses an unknown model and an undecodable image clearly, and keeps working', async () => {
    const embedder = createRegistryReferenceEmbedder({ registry });
    try {
      await assert.rejects(
        embedder.embed('ckpt-20990101000000-000000000000', [{ label: 'ref', bytes: tiles[0] }]),
        (e: unknown) => e instanceof AppError && e.code === registryErrorCodes.checkpointNotFound,
      );
      await assert.rejects(
        embedder.embed(modelA, [{ label: 'upload.jpg', bytes: corruptJpeg }]),
        (e: unknown) =>
          e instanceof ValidationError && e.code === errorCodes.undecodable && /upload\.jpg/.test(e.message),
      );
      assert.equal((await embedder.embed(modelA, [{ label: 'ok', bytes: tiles[2] }])).length, 1);
    } finally {
      await embedder.close();
    }
  });

  it('recomputes a rule’s reference vectors with a new model before scoring that model’s tiles', async () => {
    const h = await openHarness('model-change');
    const embedder: ReferenceEmbedder = createRegistryReferenceEmbedder({ registry });
    try {
      const made = await h.store.createRule(
        {
          name: 'like tile 0',
          references: [{ kind: 'image', label: 'tile0.jpg', bytes: tiles[0] }],
          threshold: 0.999,
          cooldownSeconds: 0,
          enabled: true,
        },
        NOW,
      );
      const rule = made.rule;
      const [a, b] = [truth.get(modelA)!, truth.get(modelB)!];
      // tiles 1..: the image of tile 0 again (as its own tile elsewhere) and an unrelated tile, per model
      await h.produce([
        embedded({ i: 1, vector: a[0], model: modelA }),
        embedded({ i: 2, vector: a[3], model: modelA }),
      ]);
      const alerter = () =>
        createAlerter({ bus: h.bus, store: h.store, embedder, log: h.log, now: () => NOW }, fastOptions);
      const first = alerter();
      first.start();
      await first.untilIdle(AbortSignal.timeout(20_000));
      await first.stop();
      assert.deepEqual(await h.store.getReferenceVectors(rule.id, modelA, rule.revision), [a[0]]);
      assert.equal(await h.store.getReferenceVectors(rule.id, modelB, rule.revision), undefined, 'not before model B');

      // model B is promoted; its tiles arrive: the same image under B would score far below 0.999 against A's vectors
      assert.ok(dot(a[0], b[0]) < 0.99, `cos(A, B) of one image is ${dot(a[0], b[0])}`);
      await h.produce([
        embedded({ i: 3, vector: b[0], model: modelB }),
        embedded({ i: 4, vector: b[3], model: modelB }),
      ]);
      const second = alerter();
      second.start();
      await second.untilIdle(AbortSignal.timeout(20_000));
      await second.stop();
      assert.deepEqual(
        await h.store.getReferenceVectors(rule.id, modelB, rule.revision),
        [b[0]],
        'stored under B: exactly the reference bytes embedded with B',
      );
      const history = await h.store.listAlerts({ limit: 10 });
      assert.deepEqual(
        history.map((x) => [x.tileId, x.model]),
        [
          [embedded({ i: 1, vector: a[0] }).id, modelA],
          [embedded({ i: 3, vector: b[0] }).id, modelB],
        ],
      );
      for (const x of history) assert.ok(x.score > 0.9999, `score ${x.score}`);

      // prepareModel (the registry watch in main.ts) computes them ahead of any tile
      const edited = (await h.store.updateRule(rule.id, { threshold: 0.99 }, NOW))!;
      const third = alerter();
      await third.prepareModel(modelB);
      await third.stop();
      assert.deepEqual(await h.store.getReferenceVectors(rule.id, modelB, edited.revision), [b[0]]);

      // a model the registry does not hold: its tiles cannot be scored and go to the DLQ with the reason
      await h.produce([embedded({ i: 5, vector: b[0], model: 'ckpt-20990101000000-000000000000' })]);
      const fourth = alerter();
      fourth.start();
      await fourth.untilIdle(AbortSignal.timeout(20_000));
      await fourth.stop();
      const dlq = await h.topic('tiles.dlq');
      assert.deepEqual(
        dlq.map((d) => d.code),
        [registryErrorCodes.checkpointNotFound],
      );
    } finally {
      await embedder.close();
      await h.close();
    }
  });
});
