import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { AppError } from '../../../shared/errors/index.js';
import { storeErrorCodes } from '../../../shared/store/index.js';
import { LanceVectorStore } from '../../../shared/store/lancedb/lance-vector-store.js';
import { repositoryRoot } from '../../support/data-kit.js';
import { tilePoints } from '../../support/vector-store-data.js';

const CHILD = path.join(repositoryRoot(), 'test/support/lance-writer-child.ts');
const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function openStore(dir: string): Promise<LanceVectorStore> {
  return LanceVectorStore.open({
    path: dir,
    exactBelowSelectivity: 0.05,
    indexMinRows: 1_000_000,
    maintenanceIntervalMs: 600_000,
  });
}

async function freshStore(): Promise<{ dir: string; collection: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lance-proc-'));
  dirs.push(dir);
  const store = await openStore(dir);
  await store.ensureCollection('tiles_a', 16);
  await store.close();
  return { dir, collection: 'tiles_a' };
}

interface Writer {
  child: ChildProcess;
  /** acknowledged [first, n] ranges, in order */
  acks: Array<[number, number]>;
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startWriter(args: {
  dir: string;
  collection: string;
  seed: number;
  count: number;
  batch: number;
  tag: string;
}): Writer {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      CHILD,
      args.dir,
      args.collection,
      String(args.seed),
      String(args.count),
      String(args.batch),
      args.tag,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const writer: Writer = {
    child,
    acks: [],
    stderr: [],
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
  };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const [word, first, n] = line.split(' ');
    if (word === 'ack') writer.acks.push([Number(first), Number(n)]);
  });
  child.stderr!.on('data', (chunk: Buffer) => writer.stderr.push(chunk.toString()));
  return writer;
}

async function allIds(store: LanceVectorStore, collection: string): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const page = await store.scroll(collection, { limit: 10_000, after });
    ids.push(...page.points.map((p) => p.id));
    after = page.next;
  } while (after !== undefined);
  return ids;
}

describe('LanceVectorStore across processes', () => {
  it('keeps every acknowledged upsert, once, when the writer is killed with SIGKILL mid-stream', async () => {
    const { dir, collection } = await freshStore();
    const points = tilePoints(7, 3000, 16);
    const writer = startWriter({ dir, collection, seed: 7, count: 3000, batch: 50, tag: 'killed' });
    // kill it somewhere inside the stream: after a few acks, while the next batch is in flight
    const deadline = Date.now() + 30_000;
    while (writer.acks.length < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    writer.child.kill('SIGKILL');
    const { signal } = await writer.exited;
    assert.equal(signal, 'SIGKILL');
    assert.ok(writer.acks.length >= 8, `the writer acknowledged ${writer.acks.length} batches before the kill`);
    assert.equal(writer.stderr.join(''), '', 'the writer kept stderr quiet');
    const acked = writer.acks.flatMap(([first, n]) => points.slice(first, first + n).map((p) => p.id));

    const store = await openStore(dir);
    try {
      const ids = await allIds(store, collection);
      assert.equal(new Set(ids).size, ids.length, 'no id twice');
      assert.equal(await store.count(collection), ids.length);
      const present = new Set(ids);
      for (const id of acked) assert.ok(present.has(id), `acknowledged ${id} survived`);
      // whatever was not acknowledged is either wholly there (its batch committed) or wholly absent
      const batches = Math.ceil(points.length / 50);
      for (let b = 0; b < batches; b++) {
        const batchIds = points.slice(b * 50, b * 50 + 50).map((p) => p.id);
        const found = batchIds.filter((id) => present.has(id)).length;
        assert.ok(found === 0 || found === batchIds.length, `batch ${b} is half visible (${found}/${batchIds.length})`);
      }
      assert.ok(ids.length < points.length, 'the kill landed before the end of the stream');
      // the store still takes writes after the crash
      await store.upsert(collection, points.slice(0, 10));
    } finally {
      await store.close();
    }
  });

  it('two processes writing the same collection lose nothing and never duplicate an id', async () => {
    const { dir, collection } = await freshStore();
    // the same 600 ids from both writers (same seed), in different batch sizes, plus 300 ids only one writes
    const a = startWriter({ dir, collection, seed: 8, count: 600, batch: 40, tag: 'a' });
    const b = startWriter({ dir, collection, seed: 8, count: 900, batch: 25, tag: 'b' });
    const started = Date.now();
    const [ea, eb] = await Promise.all([a.exited, b.exited]);
    const ms = Date.now() - started;
    assert.deepEqual([ea.code, eb.code], [0, 0], `writers failed: ${a.stderr.join('')} ${b.stderr.join('')}`);
    assert.equal(a.stderr.join('') + b.stderr.join(''), '');

    const store = await openStore(dir);
    try {
      const expected = tilePoints(8, 900, 16);
      const ids = await allIds(store, collection);
      assert.equal(ids.length, 900, 'every id once');
      assert.deepEqual(ids, expected.map((p) => p.id).sort());
      const stored = await store.get(
        collection,
        expected.map((p) => p.id),
      );
      for (const p of stored.slice(0, 600))
        assert.ok(['a', 'b'].includes(p.payload.tile_uri), 'one of the two versions');
      assert.ok(stored.slice(600).every((p) => p.payload.tile_uri === 'b'));
    } finally {
      await store.close();
    }
    assert.ok(ms < 60_000, `two writers took ${ms} ms`);
  });

  it('a reader sees another process’s writes on its next call', async () => {
    const { dir, collection } = await freshStore();
    const reader = await openStore(dir);
    try {
      assert.equal(await reader.count(collection), 0);
      const writer = startWriter({ dir, collection, seed: 9, count: 120, batch: 60, tag: 'w' });
      assert.equal((await writer.exited).code, 0);
      assert.equal(await reader.count(collection), 120);
      const [first] = tilePoints(9, 1, 16);
      const hits = await reader.search(collection, { vector: first.vector, limit: 1 });
      assert.equal(hits[0].id, first.id);
    } finally {
      await reader.close();
    }
  });

  it('a collection another store drops is unknown to this one at once, and not written back', async () => {
    const { dir, collection } = await freshStore();
    const a = await openStore(dir);
    const b = await openStore(dir);
    try {
      await a.upsert(collection, tilePoints(10, 5, 16));
      assert.equal(await a.count(collection), 5);
      await b.dropCollection(collection);
      await assert.rejects(
        a.count(collection),
        (e: unknown) => e instanceof AppError && e.code === storeErrorCodes.unknownCollection,
      );
      await assert.rejects(
        a.upsert(collection, tilePoints(11, 5, 16)),
        (e: unknown) => e instanceof AppError && e.code === storeErrorCodes.unknownCollection,
      );
      assert.equal(await b.collectionInfo(collection), undefined);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
