import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { AbortedError, AppError, ValidationError } from '../../shared/errors/index.js';
import {
  busErrorCodes,
  nextOffsets,
  partitionForKey,
  type Bus,
  type BusConsumer,
  type BusRecord,
  type ConsumerOptions,
} from '../../shared/bus/index.js';

/**
 * The one behaviour every Bus backend must show. SQLite runs it always; Kafka whenever KAFKA_BROKERS is
 * set. Topic and group names are random so runs against a shared Kafka cluster do not collide.
 */
export interface BusContractOptions {
  /** forces retention now; absent where the backend deletes on its own schedule (Kafka: broker segments) */
  enforceRetention?: (bus: Bus) => Promise<void>;
  /** consumer lease for these tests */
  sessionTimeoutMs: number;
  /** how long a poll loop may wait for a group to form and messages to arrive */
  settleMs: number;
}

const uid = () => randomUUID().slice(0, 8);

async function drain(consumer: BusConsumer, count: number, settleMs: number, maxMessages = 1000): Promise<BusRecord[]> {
  const out: BusRecord[] = [];
  const deadline = Date.now() + settleMs;
  while (out.length < count && Date.now() < deadline)
    out.push(...(await consumer.poll({ maxMessages, timeoutMs: 100 })));
  return out;
}

async function expectAppError(promise: Promise<unknown>, code: string): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AppError, `expected an AppError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

const text = (r: BusRecord) => r.value.toString('utf8');

export function busContract(name: string, open: () => Promise<Bus>, options: BusContractOptions): void {
  const { settleMs, sessionTimeoutMs } = options;

  async function withBus(fn: (bus: Bus) => Promise<void>): Promise<void> {
    const bus = await open();
    try {
      await fn(bus);
    } finally {
      await bus.close();
    }
  }

  async function topic(bus: Bus, partitions: number): Promise<string> {
    const name = `contract-${uid()}`;
    await bus.ensureTopics([{ name, partitions }]);
    return name;
  }

  const consumerOf = (bus: Bus, o: Partial<ConsumerOptions> & { topics: string[] }) =>
    bus.consumer({ groupId: `g-${uid()}`, sessionTimeoutMs, ...o });

  describe(`Bus contract: ${name}`, () => {
    it('partitions by murmur2(key) and numbers offsets per partition in produce order', () =>
      withBus(async (bus) => {
        const t = await topic(bus, 4);
        const keys = Array.from({ length: 40 }, (_, i) => `tile-${i % 13}`);
        const results = await bus.produce(
          t,
          keys.map((key, i) => ({ key, value: `m${i}` })),
        );
        assert.equal(results.length, keys.length);
        const next = new Map<number, number>();
        results.forEach((r, i) => {
          assert.equal(r.partition, partitionForKey(keys[i], 4));
          assert.equal(r.offset, String(next.get(r.partition) ?? 0));
          next.set(r.partition, (next.get(r.partition) ?? 0) + 1);
        });
        assert.ok(next.size > 1, 'keys spread over several partitions');
      }));

    it('keeps each key in order, round-trips bytes and headers, stamps the time', () =>
      withBus(async (bus) => {
        const t = await topic(bus, 3);
        const before = Date.now();
        for (let round = 0; round < 5; round++) {
          await bus.produce(
            t,
            ['a', 'b', 'c', 'd'].map((key) => ({ key, value: `${key}:${round}`, headers: { round: String(round) } })),
          );
        }
        const binary = Uint8Array.from([0, 255, 1, 254, 128]);
        await bus.produce(t, [{ key: 'bin', value: binary }]);
        const c = consumerOf(bus, { topics: [t] });
        const got = await drain(c, 21, settleMs);
        assert.equal(got.length, 21);
        for (const key of ['a', 'b', 'c', 'd']) {
          const mine = got.filter((r) => r.key === key);
          assert.deepEqual(
            mine.map(text),
            [0, 1, 2, 3, 4].map((i) => `${key}:${i}`),
          );
          assert.deepEqual(
            mine.map((r) => r.headers.round),
            ['0', '1', '2', '3', '4'],
          );
        }
        const bin = got.find((r) => r.key === 'bin');
        assert.ok(bin);
        assert.deepEqual([...bin.value], [...binary]);
        assert.ok(got.every((r) => r.topic === t && r.timestamp >= before - 1000 && r.timestamp <= Date.now() + 1000));
      }));

    it('delivers every message to each of two groups', () =>
      withBus(async (bus) => {
        const t = await topic(bus, 3);
        await bus.produce(
          t,
          Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
        );
        const a = consumerOf(bus, { topics: [t] });
        const b = consumerOf(bus, { topics: [t] });
        const [gotA, gotB] = [await drain(a, 60, settleMs), await drain(b, 60, settleMs)];
        const expected = Array.from({ length: 60 }, (_, i) => `v${i}`).sort();
        assert.deepEqual(gotA.map(text).sort(), expected);
        assert.deepEqual(gotB.map(text).sort(), expected);
      }));

    it('splits partitions between two members of a group, which together see each message once', () =>
      withBus(async (bus) => {
        const t = await topic(bus, 4);
        const groupId = `g-${uid()}`;
        const a = bus.consumer({ groupId, topics: [t], sessionTimeoutMs });
        const b = bus.consumer({ groupId, topics: [t], sessionTimeoutMs });
        // let the group settle before producing, so no rebalance happens while consuming
        const deadline = Date.now() + settleMs;
        let assignA: string[] = [];
        let assignB: string[] = [];
        while (Date.now() < deadline) {
          await Promise.all([a.poll({ maxMessages: 10, timeoutMs: 50 }), b.poll({ maxMessages: 10, timeoutMs: 50 })]);
          assignA = (await a.assignment()).map((p) => `${p.topic}/${p.partition}`);
          assignB = (await b.assignment()).map((p) => `${p.topic}/${p.partition}`);
          if (assignA.length === 2 && assignB.length === 2) break;
        }
        assert.equal(assignA.length, 2, `member a owns ${assignA.join(',')}`);
        assert.equal(assignB.length, 2, `member b owns ${assignB.join(',')}`);
        assert.equal(new Set([...assignA, ...assignB]).size, 4);

        await bus.produce(
          t,
          Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
        );
        const seen: BusRecord[] = [];
        const byMember = { a: 0, b: 0 };
        const until = Date.now() + settleMs;
        while (seen.length < 200 && Date.now() < until) {
          for (const [label, c] of [
            ['a', a],
            ['b', b],
          ] as const) {
            const got = await c.poll({ maxMessages: 25, timeoutMs: 20 });
            if (got.length === 0) continue;
            byMember[label] += got.length;
            for (const r of got) assert.ok((label === 'a' ? assignA : assignB).includes(`${r.topic}/${r.partition}`));
            seen.push(...got);
            await c.commit(nextOffsets(got));
          }
        }
        assert.equal(seen.length, 200);
        assert.equal(new Set(seen.map(text)).size, 200, 'no message delivered twice');
        assert.ok(byMember.a > 0 && byMember.b > 0, `both members worked: ${JSON.stringify(byMember)}`);
      }));

    it('resumes after the committed offset when the group restarts', () =>
      withBus(async (bus) => {
        const t = await topic(bus, 2);
        const groupId = `g-${uid()}`;
        await bus.produce(
          t,
          Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
        );
        const first = bus.consumer({ groupId, topics: [t], sessionTimeoutMs });
        const all = await drain(first, 40, settleMs);
        assert.equal(all.length, 40);
        // commit only the first half of each partition
        const processed = [0, 1].flatMap((p) => {
          const mine = all.filter((r) => r.partition === p);
          return mine.slice(0, Math.floor(mine.length / 2));
        });
        await first.commit(nextOffsets(processed));
        await first.close();
        await first.close();

        const second = bus.consumer({ groupId, topics: [t], sessionTimeoutMs });
        const rest = await drain(second, 40 - processed.length, settleMs);
        const extra = await second.poll({ maxMessages: 100, timeoutMs: 200 });
        assert.deepEqual(extra, []);
        assert.deepEqual(
          rest.map(text).sort(),
          all
            .filter((r) => !processed.includes(r))
            .map(text)
            .sort(),
          'exactly the uncommitted messages come again',
        );
      }));

    it('seeks to an offset and to a time', () =>
      withBus(async (bus) => {
        const t = await topic(bus, 2);
        await bus.produce(
          t,
          Array.from({ length: 10 }, (_, i) => ({ key: `old${i}`, value: `old${i}` })),
        );
        await new Promise((r) => setTimeout(r, 50));
        const boundary = Date.now();
        await new Promise((r) => setTimeout(r, 10));
        await bus.produce(
          t,
          Array.from({ length: 10 }, (_, i) => ({ key: `new${i}`, value: `new${i}` })),
        );
        const c = consumerOf(bus, { topics: [t] });
        const all = await drain(c, 20, settleMs);
        assert.equal(all.length, 20);

        const p0 = all.filter((r) => r.partition === 0);
        assert.ok(p0.length >= 2);
        await c.seek(t, 0, '1');
        const again = await drain(c, p0.length - 1, settleMs);
        assert.deepEqual(again.map(text), p0.slice(1).map(text));

        const positions = await c.seekToTime(t, boundary);
        assert.equal(positions.length, 2);
        const fresh = await drain(c, 10, settleMs);
        assert.deepEqual(fresh.map(text).sort(), Array.from({ length: 10 }, (_, i) => `new${i}`).sort());
        assert.deepEqual(await c.poll({ maxMessages: 10, timeoutMs: 100 }), []);

        // a time after everything positions at the end
        const atEnd = await c.seekToTime(t, Date.now() + 60_000);
        const ends = await c.lag();
        assert.deepEqual(
          atEnd.map((p) => p.offset),
          ends.map((l) => l.end),
        );
      }));

    it('reports committed offset, end and lag per partition', () =>
      withBus(async (bus) => {
        const t = await topic(bus, 2);
        const results = await bus.produce(
          t,
          Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
        );
        const ends = [0, 1].map((p) => results.filter((r) => r.partition === p).length);
        const c = consumerOf(bus, { topics: [t] });
        const before = await c.lag();
        assert.deepEqual(
          before.map((l) => [l.partition, l.committed, l.end, l.lag]),
          [
            [0, null, String(ends[0]), ends[0]],
            [1, null, String(ends[1]), ends[1]],
          ],
        );
        const got = await drain(c, 30, settleMs);
        const p0 = got.filter((r) => r.partition === 0);
        await c.commit(nextOffsets(p0.slice(0, 3)));
        const after = await c.lag();
        assert.deepEqual(
          after.map((l) => [l.partition, l.committed, l.end, l.lag]),
          [
            [0, '3', String(ends[0]), ends[0] - 3],
            [1, null, String(ends[1]), ends[1]],
          ],
        );
      }));

    it(
      'applies retention by size and by age, and keeps numbering offsets',
      {
        skip: options.enforceRetention
          ? false
          : "this backend deletes on the broker's own schedule; retention is configured (retention.ms/bytes), not forced here",
      },
      () =>
        withBus(async (bus) => {
          const enforce = options.enforceRetention;
          assert.ok(enforce);
          const sized = `contract-${uid()}`;
          const aged = `contract-${uid()}`;
          await bus.ensureTopics([
            { name: sized, partitions: 1, retention: { maxBytes: 1000, maxAgeMs: Number.POSITIVE_INFINITY } },
            { name: aged, partitions: 1, retention: { maxAgeMs: 300 } },
          ]);
          const hundred = 'x'.repeat(96); // with a 4-byte key: 100 bytes a message
          await bus.produce(
            sized,
            Array.from({ length: 25 }, (_, i) => ({ key: String(i).padStart(4, '0'), value: hundred })),
          );
          await bus.produce(aged, [
            { key: 'old1', value: 'old' },
            { key: 'old2', value: 'old' },
          ]);
          await new Promise((r) => setTimeout(r, 400));
          await bus.produce(aged, [{ key: 'new1', value: 'new' }]);
          await enforce(bus);

          const c = consumerOf(bus, { topics: [sized, aged] });
          const got = await drain(c, 11, settleMs);
          const sizedLeft = got.filter((r) => r.topic === sized);
          assert.deepEqual(
            sizedLeft.map((r) => r.offset),
            Array.from({ length: 10 }, (_, i) => String(15 + i)),
            'the newest 1000 bytes stay',
          );
          assert.deepEqual(got.filter((r) => r.topic === aged).map(text), ['new']);
          const [next] = await bus.produce(sized, [{ key: '0025', value: hundred }]);
          assert.equal(next.offset, '25');
        }),
    );

    it('refuses bad topics and bad arguments clearly, writing nothing', () =>
      withBus(async (bus) => {
        const t = await topic(bus, 2);
        await expectAppError(bus.produce(`missing-${uid()}`, [{ key: 'k', value: 'v' }]), busErrorCodes.unknownTopic);
        await expectAppError(bus.produce('bad name!', [{ key: 'k', value: 'v' }]), 'VALIDATION');
        await expectAppError(bus.ensureTopics([{ name: t, partitions: 3 }]), busErrorCodes.topicMismatch);
        await bus.ensureTopics([{ name: t, partitions: 2 }]);
        await expectAppError(bus.ensureTopics([{ name: `x-${uid()}`, partitions: 0 }]), 'VALIDATION');
        const bad: unknown[] = [
          'not an array',
          [{ key: 1, value: 'v' }],
          [{ key: 'k', value: 42 }],
          [{ key: 'k', value: 'v', headers: { h: 1 } }],
          [
            { key: 'ok', value: 'v' },
            { key: 'k', value: 'x'.repeat(2_000_000) },
          ],
        ];
        for (const messages of bad) {
          const error = await expectAppError(bus.produce(t, messages as never), 'VALIDATION');
          assert.ok(error instanceof ValidationError);
        }
        assert.throws(() => bus.consumer({ groupId: '', topics: [t] }), ValidationError);
        assert.throws(() => bus.consumer({ groupId: 'g', topics: [] }), ValidationError);

        const c = consumerOf(bus, { topics: [t] });
        await expectAppError(c.poll({ maxMessages: 0, timeoutMs: 10 }), 'VALIDATION');
        await expectAppError(c.poll({ maxMessages: 10, timeoutMs: -1 }), 'VALIDATION');
        assert.deepEqual(await drain(c, 1, 300), [], 'none of the refused messages was written');
        assert.ok((await c.lag()).every((l) => l.end === '0'));
        await expectAppError(c.commit([{ topic: t, partition: 0, offset: '-1' }]), 'VALIDATION');
        await expectAppError(c.commit([{ topic: t, partition: 0, offset: 'abc' }]), 'VALIDATION');
        await expectAppError(c.commit([{ topic: 'other', partition: 0, offset: '0' }]), 'VALIDATION');
        await expectAppError(c.seek(t, 7, '0'), busErrorCodes.notAssigned);

        const ghost = consumerOf(bus, { topics: [`missing-${uid()}`] });
        await expectAppError(ghost.poll({ maxMessages: 1, timeoutMs: 10 }), busErrorCodes.unknownTopic);
        await ghost.close();
      }));

    it('rejects a commit for a partition the member does not own', () =>
      withBus(async (bus) => {
        const t = await topic(bus, 2);
        const groupId = `g-${uid()}`;
        const a = bus.consumer({ groupId, topics: [t], sessionTimeoutMs });
        const b = bus.consumer({ groupId, topics: [t], sessionTimeoutMs });
        const deadline = Date.now() + settleMs;
        let owned = await a.assignment();
        while (Date.now() < deadline) {
          await Promise.all([a.poll({ maxMessages: 1, timeoutMs: 50 }), b.poll({ maxMessages: 1, timeoutMs: 50 })]);
          owned = await a.assignment();
          if (owned.length === 1 && (await b.assignment()).length === 1) break;
        }
        assert.equal(owned.length, 1);
        await bus.produce(
          t,
          Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
        );
        const foreign = 1 - owned[0].partition;
        await expectAppError(a.commit([{ topic: t, partition: foreign, offset: '0' }]), busErrorCodes.notAssigned);
        const lag = await a.lag();
        assert.ok(
          lag.every((l) => l.committed === null),
          'nothing was committed',
        );
      }));

    it('times out an empty poll, honours abort, and closes idempotently', () =>
      withBus(async (bus) => {
        const t = await topic(bus, 1);
        const c = consumerOf(bus, { topics: [t] });
        await c.poll({ maxMessages: 1, timeoutMs: 1 });
        const started = Date.now();
        assert.deepEqual(await c.poll({ maxMessages: 10, timeoutMs: 200 }), []);
        assert.ok(Date.now() - started >= 150, 'waited for the timeout');
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 50);
        await assert.rejects(c.poll({ maxMessages: 10, timeoutMs: 5000, signal: controller.signal }), AbortedError);
        await c.close();
        await c.close();
        await expectAppError(c.poll({ maxMessages: 1, timeoutMs: 1 }), busErrorCodes.closed);
        await bus.close();
        await bus.close();
        await expectAppError(bus.produce(t, [{ key: 'k', value: 'v' }]), busErrorCodes.closed);
        assert.throws(
          () => bus.consumer({ groupId: 'g', topics: [t] }),
          (e: unknown) => e instanceof AppError && e.code === busErrorCodes.closed,
        );
      }));
  });
}
