import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Bus } from '../../../../shared/bus/index.js';
import { AppError, ValidationError } from '../../../../shared/errors/index.js';
import { checkpointErrorCodes, type CheckpointMeta } from '../../../../shared/model/checkpoint/index.js';
import {
  FsModelRegistry,
  promoteAndAnnounce,
  registryErrorCodes,
  rollbackAndAnnounce,
} from '../../../../shared/model/registry/index.js';
import { openModelsBus, readAnnouncements } from './bus-reader.js';
import { saveRandomCheckpoint } from '../../../support/serving-fixtures.js';

const hasCode = (code: string) => (e: unknown) => e instanceof AppError && e.code === code;

describe('promoteAndAnnounce and rollbackAndAnnounce (real registry, real SQLite bus)', () => {
  let work: string;
  let seq = 0;
  const stored: CheckpointMeta[] = [];
  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'announce-'));
    for (let i = 0; i < 3; i++) {
      const dir = path.join(work, `src-${i}`);
      stored.push(await saveRandomCheckpoint(dir, 10 + i, `2026-11-0${i + 1}T00:00:00.000Z`));
    }
  });
  after(async () => rm(work, { recursive: true, force: true }));

  async function setup(): Promise<{ registry: FsModelRegistry; bus: Bus; root: string; close(): Promise<void> }> {
    const root = path.join(work, `registry-${seq}`);
    const registry = new FsModelRegistry({ root });
    const bus = await openModelsBus(path.join(work, `bus-${seq++}.db`));
    for (let i = 0; i < stored.length; i++) await registry.publish(path.join(work, `src-${i}`));
    return { registry, bus, root, close: async () => void (await Promise.all([registry.close(), bus.close()])) };
  }

  it('announces each move of latest with its reason and the model it replaced', async () => {
    const { registry, bus, close } = await setup();
    try {
      const [a, b, c] = stored.map((m) => m.id);
      const first = await promoteAndAnnounce({ registry, bus }, a, 'manual');
      assert.equal(first.meta.id, a);
      await promoteAndAnnounce({ registry, bus }, b, 'gate', { 'tiles_shifted_recall@10': 0.5 });
      await promoteAndAnnounce({ registry, bus }, c, 'manual');
      // promoting what already serves moves nothing and announces nothing
      const again = await promoteAndAnnounce({ registry, bus }, c, 'manual');
      assert.equal(again.message, undefined);

      const back = await rollbackAndAnnounce({ registry, bus });
      assert.deepEqual([back.meta.id, back.message.previous], [b, c]);
      assert.equal((await registry.latest())?.id, b);
      // a second rollback goes one further back, not back to c
      await rollbackAndAnnounce({ registry, bus });
      assert.equal((await registry.latest())?.id, a);
      assert.deepEqual(await registry.pointer().then((p) => [p?.previous, p?.history]), [null, []]);

      const messages = await readAnnouncements(bus);
      assert.deepEqual(
        messages.map((m) => [m.reason, m.id, m.previous]),
        [
          ['manual', a, null],
          ['gate', b, a],
          ['manual', c, b],
          ['rollback', b, c],
          ['rollback', a, b],
        ],
      );
      assert.deepEqual(messages[1].metrics, { 'tiles_shifted_recall@10': 0.5 });
      assert.ok(messages.every((m) => !Number.isNaN(Date.parse(m.promoted_at))));
    } finally {
      await close();
    }
  });

  it('refuses a rollback with nothing to go back to, clearly and without announcing', async () => {
    const { registry, bus, close } = await setup();
    try {
      await assert.rejects(rollbackAndAnnounce({ registry, bus }), (e: unknown) => {
        assert.ok(e instanceof ValidationError && e.code === registryErrorCodes.noPrevious);
        assert.match(e.message, /nothing to roll back: no checkpoint has been promoted/);
        return true;
      });
      await promoteAndAnnounce({ registry, bus }, stored[0].id, 'manual');
      await assert.rejects(rollbackAndAnnounce({ registry, bus }), (e: unknown) => {
        assert.ok(e instanceof ValidationError && e.code === registryErrorCodes.noPrevious);
        assert.match(e.message, new RegExp(`${stored[0].id} is the only checkpoint that has served`));
        return true;
      });
      assert.equal((await registry.latest())?.id, stored[0].id);
      assert.equal((await readAnnouncements(bus)).length, 1);
    } finally {
      await close();
    }
  });

  it('refuses a tampered checkpoint, whether promoted or rolled back to; the current one keeps serving', async () => {
    const { registry, bus, root, close } = await setup();
    try {
      const [a, b, c] = stored.map((m) => m.id);
      await promoteAndAnnounce({ registry, bus }, a, 'manual');
      await promoteAndAnnounce({ registry, bus }, b, 'manual');
      // one flipped byte in a stored weights file
      const tamper = async (id: string) => {
        const file = path.join(root, 'checkpoints', id, 'weights.bin');
        const bytes = await readFile(file);
        bytes[bytes.length - 1] ^= 0xff;
        await writeFile(file, bytes);
      };
      await tamper(c);
      await assert.rejects(promoteAndAnnounce({ registry, bus }, c, 'manual'), hasCode(checkpointErrorCodes.corrupt));
      await tamper(a);
      await assert.rejects(rollbackAndAnnounce({ registry, bus }), hasCode(checkpointErrorCodes.corrupt));
      assert.equal((await registry.latest())?.id, b);
      assert.deepEqual((await registry.pointer())?.history, [a]);
      assert.deepEqual(
        (await readAnnouncements(bus)).map((m) => m.id),
        [a, b],
      );
      await assert.rejects(
        promoteAndAnnounce({ registry, bus }, 'ckpt-20990101000000-0123456789ab', 'manual'),
        hasCode(registryErrorCodes.checkpointNotFound),
      );
    } finally {
      await close();
    }
  });

  it('says so when latest moved but the bus refused the announcement (the move stands)', async () => {
    const { registry, bus, close } = await setup();
    await bus.close();
    try {
      await assert.rejects(promoteAndAnnounce({ registry, bus }, stored[1].id, 'manual'), (e: unknown) => {
        assert.ok(e instanceof AppError && e.code === registryErrorCodes.announceFailed && e.retriable);
        assert.match(e.message, new RegExp(`latest moved to ${stored[1].id}, but announcing it`));
        return true;
      });
      assert.equal((await registry.latest())?.id, stored[1].id);
    } finally {
      await close();
    }
  });

  it('reads a pointer written before the history existed (only `previous`) and rolls back to it', async () => {
    const { registry, bus, root, close } = await setup();
    try {
      const [a, b] = stored.map((m) => m.id);
      const legacy = { id: b, promoted_at: '2026-11-02T00:00:00.000Z', previous: a };
      await writeFile(path.join(root, 'latest.json'), JSON.stringify(legacy));
      assert.deepEqual(await registry.pointer(), { ...legacy, history: [a] });
      const back = await rollbackAndAnnounce({ registry, bus });
      assert.equal(back.meta.id, a);
      // a pointer whose history contradicts its previous is not guessed around
      await writeFile(path.join(root, 'latest.json'), JSON.stringify({ ...legacy, history: [b] }));
      await assert.rejects(registry.pointer(), hasCode(registryErrorCodes.corrupt));
    } finally {
      await close();
    }
  });
});
