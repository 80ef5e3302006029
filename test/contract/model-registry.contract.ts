import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../shared/errors/index.js';
import { createRng } from '../../shared/random/index.js';
import {
  saveCheckpoint,
  type CheckpointDescription,
  type CheckpointMeta,
} from '../../shared/model/checkpoint/index.js';
import { buildEncoderGraph, graphParams, smallCnn, type WeightMap } from '../../shared/model/encoder/index.js';
import type { ModelRegistry } from '../../shared/model/registry/index.js';

export interface RegistryFixture {
  registry: ModelRegistry;
  /** closes the registry and removes what the fixture created */
  cleanup(): Promise<void>;
}

function weightsFor(seed: number): WeightMap {
  const rng = createRng(seed);
  const weights: WeightMap = {};
  for (const spec of graphParams(buildEncoderGraph(smallCnn))) {
    const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1)).map(() => rng.normal() * 0.1);
    weights[spec.name] = { shape: [...spec.shape], data };
  }
  return weights;
}

function describeCkpt(overrides: Partial<CheckpointDescription> = {}): CheckpointDescription {
  return {
    parent: null,
    technique: 'simclr',
    arch: smallCnn,
    input_size: 64,
    normalization: { mean: [0.3, 0.3, 0.3], std: [0.3, 0.3, 0.3] },
    data_window: { from: '2026-06-01', to: '2026-06-30', images: 100 },
    metrics: { 'precision@10': 0.5 },
    created_at: '2026-11-25T00:00:00.000Z',
    ...overrides,
  };
}

const isCode = (code: string) => (error: unknown) => error instanceof AppError && error.code === code;

/** The behaviour every ModelRegistry backend must show (DESIGN.md "Registry"). */
export function modelRegistryContract(name: string, open: () => Promise<RegistryFixture>): void {
  describe(`ModelRegistry: ${name}`, () => {
    let scratch: string;
    let seq = 0;
    const make = async (
      seed: number,
      overrides: Partial<CheckpointDescription> = {},
      extra: Record<string, Uint8Array> = {},
    ) => {
      const dir = path.join(scratch, `src-${seq++}`);
      const meta = await saveCheckpoint(dir, { weights: weightsFor(seed), meta: describeCkpt(overrides) }, extra);
      return { dir, meta };
    };
    const withRegistry = async (body: (registry: ModelRegistry) => Promise<void>) => {
      const fixture = await open();
      try {
        await body(fixture.registry);
      } finally {
        await fixture.cleanup();
      }
    };

    before(async () => {
      scratch = await mkdtemp(path.join(os.tmpdir(), 'registry-contract-'));
    });
    after(async () => {
      await rm(scratch, { recursive: true, force: true });
    });

    it('starts empty', () =>
      withRegistry(async (registry) => {
        assert.deepEqual(await registry.list(), []);
        assert.equal(await registry.latest(), undefined);
        assert.equal(await registry.get('ckpt-20260101000000-0123456789ab'), undefined);
      }));

    it('publishes a verified checkpoint under its id without moving latest', () =>
      withRegistry(async (registry) => {
        const { dir, meta } = await make(1);
        const published = await registry.publish(dir);
        assert.deepEqual(published, meta);
        assert.deepEqual(await registry.get(meta.id), meta);
        assert.deepEqual(
          (await registry.list()).map((m) => m.id),
          [meta.id],
        );
        assert.equal(await registry.latest(), undefined);
      }));

    it('publishing the same checkpoint twice is idempotent', () =>
      withRegistry(async (registry) => {
        const { dir, meta } = await make(2);
        const [a, b] = await Promise.all([registry.publish(dir), registry.publish(dir)]);
        assert.deepEqual(a, meta);
        assert.deepEqual(b, meta);
        assert.deepEqual(await registry.publish(dir), meta);
        assert.equal((await registry.list()).length, 1);
      }));

    it('publishing again with an added file (model.onnx) adds it; other content under the same id is refused', () =>
      withRegistry(async (registry) => {
        const plain = await make(3);
        await registry.publish(plain.dir);
        const onnx = new Uint8Array([8, 7, 6, 5]);
        const withOnnx = await make(3, {}, { 'model.onnx': onnx });
        assert.equal(withOnnx.meta.id, plain.meta.id);
        const merged = await registry.publish(withOnnx.dir);
        assert.equal(merged.files['model.onnx'].bytes, 4);
        assert.deepEqual(await registry.readFile(plain.meta.id, 'model.onnx'), onnx);
        const otherMetrics = await make(3, { metrics: { 'precision@10': 0.9 } });
        assert.equal(otherMetrics.meta.id, plain.meta.id);
        await assert.rejects(registry.publish(otherMetrics.dir), isCode('CHECKPOINT_CONFLICT'));
        assert.deepEqual((await registry.get(plain.meta.id))?.metrics, { 'precision@10': 0.5 });
      }));

    it('refuses a corrupt checkpoint at publish and stores nothing', () =>
      withRegistry(async (registry) => {
        const { dir } = await make(4);
        const file = path.join(dir, 'weights.bin');
        const bytes = await readFile(file);
        bytes[10] ^= 0xff;
        await writeFile(file, bytes);
        await assert.rejects(registry.publish(dir), isCode('CHECKPOINT_CORRUPT'));
        assert.deepEqual(await registry.list(), []);
      }));

    it('promote moves latest; list is oldest first; unknown ids are refused and latest keeps its value', () =>
      withRegistry(async (registry) => {
        const first = await make(5, { created_at: '2026-11-01T00:00:00.000Z' });
        const second = await make(6, { created_at: '2026-11-02T00:00:00.000Z', parent: first.meta.id });
        await registry.publish(second.dir);
        await registry.publish(first.dir);
        assert.deepEqual(
          (await registry.list()).map((m) => m.id),
          [first.meta.id, second.meta.id],
        );
        assert.deepEqual(await registry.promote(first.meta.id), first.meta);
        assert.equal((await registry.latest())?.id, first.meta.id);
        await registry.promote(second.meta.id);
        assert.equal((await registry.latest())?.id, second.meta.id);
        assert.equal((await registry.latest())?.parent, first.meta.id);
        await assert.rejects(registry.promote('ckpt-20990101000000-0123456789ab'), isCode('CHECKPOINT_NOT_FOUND'));
        assert.equal((await registry.latest())?.id, second.meta.id);
      }));

    it('opens a stored checkpoint with its exact weights', () =>
      withRegistry(async (registry) => {
        const { dir, meta } = await make(7);
        await registry.publish(dir);
        const loaded = await registry.open(meta.id);
        assert.deepEqual(loaded.meta, meta);
        const expected = weightsFor(7);
        for (const [key, w] of Object.entries(expected)) assert.deepEqual(loaded.weights[key].data, w.data, key);
        await assert.rejects(registry.open('ckpt-20990101000000-0123456789ab'), isCode('CHECKPOINT_NOT_FOUND'));
        await assert.rejects(registry.readFile(meta.id, 'nope.bin'), isCode('CHECKPOINT_FILE_UNKNOWN'));
      }));

    it('refuses ids that are not checkpoint ids (no path tricks)', () =>
      withRegistry(async (registry) => {
        await assert.rejects(registry.get('../../etc'), isCode('INVALID_CHECKPOINT_ID'));
        await assert.rejects(registry.promote('latest'), isCode('INVALID_CHECKPOINT_ID'));
      }));

    it('watch reports the current latest, then each promotion, until stopped', () =>
      withRegistry(async (registry) => {
        const a = await make(8, { created_at: '2026-11-03T00:00:00.000Z' });
        const b = await make(9, { created_at: '2026-11-04T00:00:00.000Z' });
        await registry.publish(a.dir);
        await registry.publish(b.dir);
        const seen: (string | undefined)[] = [];
        const errors: AppError[] = [];
        let notify: () => void = () => undefined;
        const next = () =>
          new Promise<void>((resolve) => {
            notify = resolve;
          });
        let wait = next();
        const watch = registry.watch(
          (latest: CheckpointMeta | undefined) => {
            seen.push(latest?.id);
            notify();
          },
          { intervalMs: 20, onError: (e) => errors.push(e) },
        );
        await wait;
        wait = next();
        await registry.promote(a.meta.id);
        await wait;
        wait = next();
        await registry.promote(b.meta.id);
        await wait;
        watch.stop();
        await registry.promote(a.meta.id);
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.deepEqual(seen, [undefined, a.meta.id, b.meta.id]);
        assert.deepEqual(errors, []);
      }));

    it('a throwing watcher is told again at the next poll, and errors go to onError', () =>
      withRegistry(async (registry) => {
        const a = await make(10);
        await registry.publish(a.dir);
        await registry.promote(a.meta.id);
        let calls = 0;
        const errors: AppError[] = [];
        let done: () => void = () => undefined;
        const finished = new Promise<void>((resolve) => {
          done = resolve;
        });
        const watch = registry.watch(
          () => {
            calls++;
            if (calls === 1) throw new AppError('SWAP_FAILED', 'could not swap', { retriable: true });
            done();
          },
          { intervalMs: 20, onError: (e) => errors.push(e) },
        );
        await finished;
        watch.stop();
        assert.equal(calls, 2);
        assert.deepEqual(
          errors.map((e) => e.code),
          ['SWAP_FAILED'],
        );
      }));

    it('close stops watches and refuses later calls', async () => {
      const fixture = await open();
      const { registry } = fixture;
      let calls = 0;
      registry.watch(
        () => {
          calls++;
        },
        { intervalMs: 10, onError: () => undefined },
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      await registry.close();
      const after = calls;
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(calls, after);
      await assert.rejects(registry.list(), isCode('REGISTRY_CLOSED'));
      await fixture.cleanup();
    });
  });
}
