import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { AppError } from '../../../shared/errors/index.js';
import { SqliteBus, busErrorCodes, nextOffsets, type BusRecord } from '../../../shared/bus/index.js';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempFile(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bus-group-'));
  dirs.push(dir);
  return path.join(dir, 'bus.db');
}

async function openBus(file: string): Promise<SqliteBus> {
  const bus = new SqliteBus({
    path: file,
    defaultPartitions: 4,
    retention: { maxAgeMs: Infinity, maxBytes: Infinity },
    pollIntervalMs: 5,
  });
  await bus.open();
  return bus;
}

const isCode = (code: string) => (e: unknown) => e instanceof AppError && e.code === code;

describe('SQLite consumer groups', () => {
  it("moves a dead member's partitions to the survivors, and refuses the dead member's commits", async () => {
    const file = await tempFile();
    const bus = await openBus(file);
    await bus.ensureTopics([{ name: 't' }]);
    await bus.produce(
      't',
      Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
    );
    // a long session: the heartbeat timer does not fire during the test, so expiry is ours to cause
    const a = bus.consumer({ groupId: 'g', topics: ['t'], memberId: 'a', sessionTimeoutMs: 60_000 });
    const got = await a.poll({ maxMessages: 100, timeoutMs: 100 });
    assert.equal(got.length, 40);
    assert.equal((await a.assignment()).length, 4);

    // member a "dies": its lease runs out (as after kill -9, when heartbeats stop)
    const side = new Database(file);
    side.prepare("UPDATE bus_members SET lease_until = 0 WHERE member_id = 'a'").run();
    side.close();

    const b = bus.consumer({ groupId: 'g', topics: ['t'], memberId: 'b', sessionTimeoutMs: 60_000 });
    assert.equal((await b.assignment()).length, 4, 'b took every partition of the dead member');
    const redelivered = await b.poll({ maxMessages: 100, timeoutMs: 100 });
    assert.equal(redelivered.length, 40, 'nothing was committed, so b gets everything again');
    await assert.rejects(a.commit(nextOffsets(got)), isCode(busErrorCodes.notAssigned));

    // a comes back: it rejoins as a live member and the partitions are shared again
    await b.commit(nextOffsets(redelivered));
    await a.poll({ maxMessages: 1, timeoutMs: 10 });
    await b.poll({ maxMessages: 1, timeoutMs: 10 });
    await a.poll({ maxMessages: 1, timeoutMs: 10 });
    assert.equal((await a.assignment()).length, 2);
    assert.equal((await b.assignment()).length, 2);
    await bus.close();
  });

  it('lets a restarted process reuse its member id at once and fences the old consumer', async () => {
    const file = await tempFile();
    const bus = await openBus(file);
    await bus.ensureTopics([{ name: 't', partitions: 2 }]);
    await bus.produce('t', [{ key: 'x', value: '1' }]);
    const old = bus.consumer({ groupId: 'g', topics: ['t'], memberId: 'embedder-1' });
    const first = await old.poll({ maxMessages: 10, timeoutMs: 100 });
    assert.equal(first.length, 1);

    const other = await openBus(file);
    const restarted = other.consumer({ groupId: 'g', topics: ['t'], memberId: 'embedder-1' });
    assert.equal((await restarted.assignment()).length, 2, 'no wait for the old lease');
    assert.deepEqual(
      (await restarted.poll({ maxMessages: 10, timeoutMs: 100 })).map((r) => r.value.toString()),
      ['1'],
    );
    await assert.rejects(old.poll({ maxMessages: 1, timeoutMs: 10 }), isCode(busErrorCodes.fenced));
    await assert.rejects(old.commit(nextOffsets(first)), isCode(busErrorCodes.fenced));
    await old.close();
    assert.equal((await restarted.assignment()).length, 2, "the fenced consumer's close does not evict its successor");
    await bus.close();
    await other.close();
  });

  it('hands partitions over at once when a member closes', async () => {
    const bus = await openBus(await tempFile());
    await bus.ensureTopics([{ name: 't', partitions: 2 }]);
    const a = bus.consumer({ groupId: 'g', topics: ['t'], sessionTimeoutMs: 60_000 });
    const b = bus.consumer({ groupId: 'g', topics: ['t'], sessionTimeoutMs: 60_000 });
    await a.assignment();
    await b.assignment();
    await a.assignment();
    assert.equal((await b.assignment()).length, 1);
    await a.close();
    assert.equal((await b.assignment()).length, 2);
    await bus.close();
  });

  it('shares one file between two bus instances (as between processes)', async () => {
    const file = await tempFile();
    const producerSide = await openBus(file);
    const consumerSide = await openBus(file);
    await producerSide.ensureTopics([{ name: 't', partitions: 3 }]);
    const c = consumerSide.consumer({ groupId: 'g', topics: ['t'] });
    await c.poll({ maxMessages: 1, timeoutMs: 10 });
    // two writers interleaving: offsets stay unique and gap-free per partition
    const results = (
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? producerSide : consumerSide).produce(
            't',
            Array.from({ length: 10 }, (_, j) => ({ key: `k${i}-${j}`, value: `${i}-${j}` })),
          ),
        ),
      )
    ).flat();
    for (let p = 0; p < 3; p++) {
      const offsets = results
        .filter((r) => r.partition === p)
        .map((r) => Number(r.offset))
        .sort((a, b) => a - b);
      assert.deepEqual(
        offsets,
        Array.from({ length: offsets.length }, (_, i) => i),
      );
    }
    const got: BusRecord[] = [];
    const deadline = Date.now() + 5000;
    while (got.length < 200 && Date.now() < deadline) got.push(...(await c.poll({ maxMessages: 500, timeoutMs: 50 })));
    assert.equal(new Set(got.map((r) => r.value.toString())).size, 200);
    await producerSide.close();
    await consumerSide.close();
  });

  it('starts a new group at the end when fromBeginning is false', async () => {
    const bus = await openBus(await tempFile());
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    await bus.produce('t', [{ key: 'a', value: 'before' }]);
    const c = bus.consumer({ groupId: 'late', topics: ['t'], fromBeginning: false });
    assert.deepEqual(await c.poll({ maxMessages: 10, timeoutMs: 20 }), []);
    await bus.produce('t', [{ key: 'a', value: 'after' }]);
    assert.deepEqual(
      (await c.poll({ maxMessages: 10, timeoutMs: 500 })).map((r) => r.value.toString()),
      ['after'],
    );
    await bus.close();
  });

  it('wakes a waiting poll as soon as this process produces', async () => {
    const bus = new SqliteBus({
      path: await tempFile(),
      defaultPartitions: 1,
      retention: { maxAgeMs: Infinity, maxBytes: Infinity },
      pollIntervalMs: 2000,
    });
    await bus.open();
    await bus.ensureTopics([{ name: 't' }]);
    const c = bus.consumer({ groupId: 'g', topics: ['t'] });
    await c.poll({ maxMessages: 1, timeoutMs: 1 });
    const started = Date.now();
    const pending = c.poll({ maxMessages: 10, timeoutMs: 5000 });
    setTimeout(() => void bus.produce('t', [{ key: 'k', value: 'v' }]), 50);
    assert.equal((await pending).length, 1);
    assert.ok(Date.now() - started < 1500, 'woken before the 2 s polling tick');
    await assert.rejects(
      Promise.all([c.poll({ maxMessages: 1, timeoutMs: 100 }), c.poll({ maxMessages: 1, timeoutMs: 100 })]),
      isCode(busErrorCodes.invalidState),
    );
    await bus.close();
  });
});
