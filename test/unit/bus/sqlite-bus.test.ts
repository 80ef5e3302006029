import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { AppError, ValidationError } from '../../../shared/errors/index.js';
import { SqliteBus, busErrorCodes, nextOffsets } from '../../../shared/bus/index.js';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempFile(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bus-sqlite-'));
  dirs.push(dir);
  return path.join(dir, 'nested', 'bus.db');
}

const infinite = { maxAgeMs: Infinity, maxBytes: Infinity };

describe('SqliteBus', () => {
  it('reports, and logs, retention deletions a group had not committed past', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    const bus = new SqliteBus({
      path: await tempFile(),
      defaultPartitions: 1,
      retention: { maxAgeMs: Infinity, maxBytes: 500 },
      logger,
    });
    await bus.open();
    await bus.ensureTopics([{ name: 't' }]);
    await bus.produce(
      't',
      Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(98) })),
    );
    const c = bus.consumer({ groupId: 'slow', topics: ['t'] });
    const got = await c.poll({ maxMessages: 2, timeoutMs: 100 });
    await c.commit(nextOffsets(got));
    const deletions = bus.runRetention();
    assert.deepEqual(
      deletions.map((d) => [d.topic, d.partition, d.newStart, d.messages, d.bytes]),
      [['t', 0, 5, 5, 500]],
    );
    assert.deepEqual(deletions[0].unconsumedBy, [{ groupId: 'slow', messages: 3 }]);
    assert.ok(
      lines.some((l) => l.level === 40 && l.groupId === 'slow' && l.messages === 3),
      'a warning names the group',
    );
    assert.deepEqual(bus.runRetention(), [], 'nothing more to delete');
    // the member's in-memory position (2) is behind the log start (5): it skips ahead, with a warning
    const rest = await c.poll({ maxMessages: 100, timeoutMs: 100 });
    assert.deepEqual(
      rest.map((r) => r.offset),
      ['5', '6', '7', '8', '9'],
    );
    await bus.close();
  });

  it('runs retention by itself after produces once the interval has passed', async () => {
    const bus = new SqliteBus({
      path: await tempFile(),
      defaultPartitions: 1,
      retention: { maxAgeMs: 50, maxBytes: Infinity },
      retentionCheckIntervalMs: 0,
    });
    await bus.open();
    await bus.ensureTopics([{ name: 't' }]);
    await bus.produce('t', [{ key: 'a', value: 'old' }]);
    await new Promise((r) => setTimeout(r, 100));
    await bus.produce('t', [{ key: 'a', value: 'new' }]);
    const c = bus.consumer({ groupId: 'g', topics: ['t'] });
    assert.deepEqual(
      (await c.poll({ maxMessages: 10, timeoutMs: 100 })).map((r) => r.value.toString()),
      ['new'],
    );
    await bus.close();
  });

  it('fails a produce with a retriable BUS_STORAGE while another process holds the write lock', async () => {
    const file = await tempFile();
    const bus = new SqliteBus({ path: file, defaultPartitions: 1, retention: infinite, busyTimeoutMs: 50 });
    await bus.open();
    await bus.ensureTopics([{ name: 't' }]);
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    try {
      await assert.rejects(
        bus.produce('t', [{ key: 'k', value: 'v' }]),
        (e: unknown) => e instanceof AppError && e.code === busErrorCodes.storage && e.retriable,
      );
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const [ok] = await bus.produce('t', [{ key: 'k', value: 'v' }]);
    assert.equal(ok.offset, '0', 'the failed produce wrote nothing');
    await bus.close();
  });

  it('refuses use before open, bad options, and a file of another schema version', async () => {
    const file = await tempFile();
    const bus = new SqliteBus({ path: file, defaultPartitions: 1, retention: infinite });
    await assert.rejects(
      bus.produce('t', []),
      (e: unknown) => e instanceof AppError && e.code === busErrorCodes.invalidState,
    );
    await assert.rejects(
      new SqliteBus({ path: file, defaultPartitions: 0, retention: infinite }).open(),
      ValidationError,
    );
    await assert.rejects(
      new SqliteBus({ path: file, defaultPartitions: 1, retention: { maxAgeMs: -1, maxBytes: 1 } }).open(),
      ValidationError,
    );
    await bus.open();
    await bus.close();
    const db = new Database(file);
    db.prepare("UPDATE bus_meta SET value = '99' WHERE key = 'schema_version'").run();
    db.close();
    await assert.rejects(
      new SqliteBus({ path: file, defaultPartitions: 1, retention: infinite }).open(),
      (e: unknown) => e instanceof AppError && !e.retriable,
    );
  });

  it('keeps a topic-level unlimited retention over a finite bus default', async () => {
    const bus = new SqliteBus({
      path: await tempFile(),
      defaultPartitions: 1,
      retention: { maxAgeMs: Infinity, maxBytes: 10 },
    });
    await bus.open();
    await bus.ensureTopics([{ name: 'keep', retention: { maxBytes: Infinity } }, { name: 'trim' }]);
    await bus.produce('keep', [{ key: 'k', value: 'x'.repeat(100) }]);
    await bus.produce('trim', [{ key: 'k', value: 'x'.repeat(100) }]);
    assert.deepEqual(
      bus.runRetention().map((d) => d.topic),
      ['trim'],
    );
    await bus.close();
  });

  it('produces an empty batch as a no-op and returns an empty poll for an empty log', async () => {
    const bus = new SqliteBus({ path: await tempFile(), defaultPartitions: 2, retention: infinite });
    await bus.open();
    await bus.ensureTopics([{ name: 't' }]);
    assert.deepEqual(await bus.produce('t', []), []);
    const c = bus.consumer({ groupId: 'g', topics: ['t'] });
    assert.deepEqual(await c.poll({ maxMessages: 5, timeoutMs: 0 }), []);
    assert.deepEqual(await c.commit([]), undefined);
    await bus.close();
  });
});
