import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FsBlobStore } from '../../../../shared/blob/index.js';
import { GATE_FILE, parseGateRecord } from '../../../../shared/model/registry/index.js';
import type { CycleResult } from '../../../../services/trainer/lifecycle/index.js';
import { readAnnouncements } from '../lifecycle/bus-reader.js';
import { openHarness, openSharedStore, removeWork, tmpWork, type CycleHarness } from '../lifecycle/cycle-harness.js';
import { saveMiscalibratedCheckpoint } from '../../../support/serving-fixtures.js';

/**
 * The periodic trainer with trainer.backend = torch: the same cycle (sample, train, register, gate, promote,
 * announce) as with wasm, only the training itself runs in PyTorch ranks.
 */
describe('the periodic trainer on the torch backend', () => {
  let work: string;
  let blobs: FsBlobStore;
  let h: CycleHarness | undefined;
  before(async () => {
    work = await tmpWork('torch-cycle-');
    ({ blobs } = await openSharedStore(work));
  });
  after(async () => {
    await h?.close();
    await blobs.close();
    await removeWork(work);
  });

  it('trains with 2 ranks, gates and promotes through the same code as wasm', async () => {
    h = await openHarness(work, blobs, { backend: 'torch', device: 'cpu', workers: 2 });
    const servingDir = path.join(work, 'serving');
    const serving = await saveMiscalibratedCheckpoint(servingDir);
    await h.registry.publish(servingDir);
    await h.registry.promote(serving.id);

    const result = (await h.trainer.runOnce()) as CycleResult;
    assert.equal(result.outcome, 'promoted', result.reason ?? result.decision?.reasons.join('; '));
    const candidate = result.candidate!;
    assert.equal(candidate.parent, serving.id);
    assert.equal(candidate.metrics.steps, 20);
    assert.deepEqual(candidate.training, { backend: 'torch', device: 'cpu', workers: 2 });
    assert.equal((await h.registry.latest())?.id, candidate.id);

    const gate = parseGateRecord(await h.registry.readFile(candidate.id, GATE_FILE), candidate.id);
    const [cand, cur] = [gate.candidate[gate.primary_key], gate.serving_metrics[gate.primary_key]];
    assert.ok(cand > cur, `${gate.primary_key}: ${cand} vs ${cur}`);
    const messages = await readAnnouncements(h.bus);
    assert.deepEqual(
      messages.map((m) => [m.reason, m.id, m.previous]),
      [['gate', candidate.id, serving.id]],
    );
    assert.equal(await h.count('promoted'), 1);
    assert.deepEqual(await h.runFolders(), [], 'the run folder is removed');
  });
});
