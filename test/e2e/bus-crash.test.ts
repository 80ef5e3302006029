import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteBus } from '../../shared/bus/index.js';

/**
 * kill -9 at any point loses no acknowledged message and redelivers no committed one. A producer
 * process and a consumer process share one SQLite log and are SIGKILLed — the consumer right after a
 * delivery, before its commit (mid-batch), the producer at a random moment inside its stream of
 * transactions — three times over; a last process drains the group. Then, from what the children
 * reported (each line printed only once the fact was durable) and from the file itself:
 *  - every acknowledged message is in the log under the offset it was acknowledged with, and was consumed;
 *  - every message in the log (acknowledged or not) was consumed at least once;
 *  - after a commit was acknowledged, no later process got a message below that offset again;
 *  - the group ends with zero lag.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const childScript = path.join(here, 'fixtures', 'bus-crash-child.ts');

interface Event {
  phase: number;
  kind: 'P' | 'C' | 'K';
  partition: number;
  offset: number;
  id?: string;
}

interface Child {
  proc: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

const dirs: string[] = [];
const running = new Set<ChildProcess>();
after(async () => {
  for (const proc of running) proc.kill('SIGKILL');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function startChild(
  role: string,
  file: string,
  runId: string,
  phase: number,
  events: Event[],
  onLine?: (e: Event) => void,
): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', childScript, role, file, runId], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  let err = '';
  proc.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    const [kind, partition, offset, id] = line.split(' ');
    if (kind !== 'P' && kind !== 'C' && kind !== 'K') return;
    const event: Event = { phase, kind, partition: Number(partition), offset: Number(offset), id };
    events.push(event);
    onLine?.(event);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => {
      running.delete(proc);
      resolve({ code, signal });
    }),
  );
  return { proc, exited, stderr: () => err };
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string, child: Child): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; child stderr:\n${child.stderr()}`);
    if (child.proc.exitCode !== null)
      assert.fail(`child exited (${child.proc.exitCode}) before ${what}:\n${child.stderr()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('SQLite bus survives kill -9', () => {
  it(
    'loses no acknowledged message and redelivers no committed one across SIGKILLs',
    { timeout: 120_000 },
    async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'bus-crash-'));
      dirs.push(dir);
      const file = path.join(dir, 'bus.db');
      const setup = new SqliteBus({
        path: file,
        defaultPartitions: 4,
        retention: { maxAgeMs: Infinity, maxBytes: Infinity },
      });
      await setup.open();
      await setup.ensureTopics([{ name: 'crash' }]);
      await setup.close();

      const events: Event[] = [];
      const cycles = 3;
      for (let phase = 0; phase < cycles; phase++) {
        const count = (kind: Event['kind']) => events.filter((e) => e.phase === phase && e.kind === kind).length;
        const producer = startChild('producer', file, `run${phase}`, phase, events);
        let armed = false;
        const consumer = startChild('consumer', file, `run${phase}`, phase, events, (e) => {
          // a delivery after a few commits: kill now, while the batch is being worked on
          if (armed && e.kind === 'C') consumer.proc.kill('SIGKILL');
        });
        await waitFor(() => count('P') >= 300, 30_000, 'the producer to get going', producer);
        await waitFor(() => count('K') >= 3, 30_000, 'the consumer to commit', consumer);
        armed = true;
        setTimeout(() => producer.proc.kill('SIGKILL'), Math.floor(Math.random() * 40));
        const [p, c] = await Promise.all([producer.exited, consumer.exited]);
        assert.equal(p.signal, 'SIGKILL', `producer ended by itself: ${producer.stderr()}`);
        assert.equal(c.signal, 'SIGKILL', `consumer ended by itself: ${consumer.stderr()}`);
      }

      const drain = startChild('drain', file, 'drain', cycles, events);
      let timer: NodeJS.Timeout | undefined;
      const ended = await Promise.race([
        drain.exited,
        new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 60_000))),
      ]);
      clearTimeout(timer);
      assert.notEqual(ended, 'timeout', `drain did not finish: ${drain.stderr()}`);
      assert.equal(drain.proc.exitCode, 0, drain.stderr());

      // the log as it is on disk
      const db = new Database(file, { readonly: true });
      const rows = db
        .prepare('SELECT partition, offset, value FROM bus_messages ORDER BY partition, offset')
        .all() as Array<{ partition: number; offset: number; value: Buffer }>;
      const committed = db
        .prepare('SELECT partition, offset FROM bus_group_offsets WHERE group_id = ?')
        .all('crash') as Array<{ partition: number; offset: number }>;
      const ends = db.prepare('SELECT partition, next_offset AS next FROM bus_partitions').all() as Array<{
        partition: number;
        next: number;
      }>;
      db.close();
      const logId = new Map(
        rows.map((r) => [`${r.partition}:${r.offset}`, (JSON.parse(r.value.toString()) as { id: string }).id]),
      );

      const produced = events.filter((e) => e.kind === 'P');
      const consumed = events.filter((e) => e.kind === 'C');
      const consumedIds = new Set(consumed.map((e) => e.id));
      assert.ok(produced.length >= 900, `produced ${produced.length}`);

      for (const p of produced) {
        assert.equal(
          logId.get(`${p.partition}:${p.offset}`),
          p.id,
          `acknowledged ${p.id} is in the log where it was acknowledged`,
        );
        assert.ok(consumedIds.has(p.id), `acknowledged ${p.id} was consumed`);
      }
      for (const id of logId.values()) assert.ok(consumedIds.has(id), `${id} in the log was consumed`);
      const unacknowledged = logId.size - produced.length;

      // no committed message delivered again: a delivery in a later phase never lies below a commit acknowledged earlier
      let redeliveredUncommitted = 0;
      for (let phase = 1; phase <= cycles; phase++) {
        for (let partition = 0; partition < 4; partition++) {
          const floor = Math.max(
            0,
            ...events
              .filter((e) => e.kind === 'K' && e.phase < phase && e.partition === partition)
              .map((e) => e.offset),
          );
          const again = consumed.filter((e) => e.phase === phase && e.partition === partition);
          for (const e of again)
            assert.ok(e.offset >= floor, `phase ${phase} got ${partition}:${e.offset} although ${floor} was committed`);
          redeliveredUncommitted += again.filter((e) => consumed.some((c) => c.phase < phase && c.id === e.id)).length;
        }
      }
      // the kills are aimed into the 50 ms "work" window between a delivery and its commit
      const midBatchKills = [0, 1, 2].filter((phase) => {
        const mine = events.filter((e) => e.phase === phase && (e.kind === 'C' || e.kind === 'K'));
        return mine.length > 0 && mine[mine.length - 1].kind === 'C';
      }).length;
      assert.ok(midBatchKills > 0, 'at least one consumer was killed mid-batch');
      assert.ok(
        redeliveredUncommitted > 0,
        'the mid-batch kills left delivered-but-uncommitted messages, which came again',
      );

      for (const { partition, next } of ends) {
        assert.equal(
          committed.find((c) => c.partition === partition)?.offset,
          next,
          `partition ${partition} fully committed`,
        );
      }
      // for the record, visible with --test-reporter=spec
      console.log(
        `crash test: ${produced.length} acknowledged, ${unacknowledged} written but unacknowledged, ${midBatchKills} of ${cycles} consumer kills mid-batch, ${redeliveredUncommitted} redelivered`,
      );
    },
  );
});
