import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { AppError, ValidationError } from '../../shared/errors/index.js';
import type { BlobStore } from '../../shared/blob/index.js';
import { blobErrorCodes } from '../../shared/blob/index.js';

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of iterable) out.push(key);
  return out;
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * The behaviour every BlobStore backend must show. `open` returns a fresh, empty store each call.
 * Run by test/contract/fs-blob-store.test.ts, and by an object-storage suite where its endpoint is set.
 */
export function blobStoreContract(name: string, open: () => Promise<BlobStore>): void {
  describe(`BlobStore contract: ${name}`, () => {
    it('round-trips bytes and reports their sha256 and size', async () => {
      const store = await open();
      const bytes = new Uint8Array(randomBytes(100_000));
      const info = await store.put('tiles/L/2020-01-01/250m/1/0/2.jpg', bytes);
      assert.deepEqual(info, { sha256: sha(bytes), bytes: bytes.byteLength });
      const back = await store.get('tiles/L/2020-01-01/250m/1/0/2.jpg');
      assert.ok(back);
      assert.deepEqual(Buffer.from(back), Buffer.from(bytes));
      assert.deepEqual(await store.stat('tiles/L/2020-01-01/250m/1/0/2.jpg'), info);
      await store.close();
    });

    it('stores an empty object', async () => {
      const store = await open();
      const info = await store.put('empty', new Uint8Array(0));
      assert.equal(info.bytes, 0);
      assert.equal(info.sha256, sha(new Uint8Array(0)));
      assert.equal((await store.get('empty'))?.byteLength, 0);
      await store.close();
    });

    it('returns undefined for missing keys and deletes idempotently', async () => {
      const store = await open();
      assert.equal(await store.get('no/such/key'), undefined);
      assert.equal(await store.stat('no/such/key'), undefined);
      await store.put('a/b', new Uint8Array([1, 2, 3]));
      await store.delete('a/b');
      await store.delete('a/b');
      await store.delete('never/was');
      assert.equal(await store.get('a/b'), undefined);
      assert.deepEqual(await collect(store.list('')), []);
      await store.close();
    });

    it('replaces an existing object', async () => {
      const store = await open();
      await store.put('k', new Uint8Array([1, 1, 1, 1]));
      const info = await store.put('k', new Uint8Array([2]));
      assert.deepEqual(Buffer.from((await store.get('k'))!), Buffer.from([2]));
      assert.deepEqual(await store.stat('k'), info);
      await store.close();
    });

    it('leaves one whole value when the same key is written concurrently', async () => {
      const store = await open();
      const values = Array.from({ length: 8 }, (_, i) => new Uint8Array(50_000).fill(i + 1));
      await Promise.all(values.map((v) => store.put('race/key', v)));
      const back = await store.get('race/key');
      assert.ok(back);
      assert.equal(back.byteLength, 50_000);
      assert.ok(
        back.every((b) => b === back[0]),
        'object is a mix of two writes',
      );
      assert.deepEqual(await collect(store.list('race/')), ['race/key']);
      await store.close();
    });

    it('lists keys under a string prefix in code-unit order', async () => {
      const store = await open();
      const keys = [
        'a/c',
        'a-b',
        'a/b/z',
        'a/b/a',
        'b',
        'ab/x',
        'a/b0',
        'tiles/L/2020-01-02/x',
        'tiles/L/2020-01-01/y',
      ];
      for (const key of keys) await store.put(key, new Uint8Array([1]));
      const sorted = [...keys].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
      assert.deepEqual(await collect(store.list('')), sorted);
      assert.deepEqual(
        await collect(store.list('a')),
        sorted.filter((k) => k.startsWith('a')),
      );
      assert.deepEqual(await collect(store.list('a/')), ['a/b/a', 'a/b/z', 'a/b0', 'a/c']);
      assert.deepEqual(await collect(store.list('a/b')), ['a/b/a', 'a/b/z', 'a/b0']);
      assert.deepEqual(await collect(store.list('tiles/L/2020-01-01')), ['tiles/L/2020-01-01/y']);
      assert.deepEqual(await collect(store.list('zzz')), []);
      assert.deepEqual(await collect(store.list('b/')), []);
      await store.close();
    });

    it('refuses unsafe keys with a ValidationError before touching storage', async () => {
      const store = await open();
      const bad = [
        '',
        '/etc/passwd',
        '../escape',
        'a/../../b',
        'a//b',
        'a/./b',
        'a/',
        '.hidden',
        'a/.tmp-1',
        'a\\b',
        'a\u0000b',
      ];
      for (const key of bad) {
        await assert.rejects(
          store.put(key, new Uint8Array([1])),
          (e: unknown) => e instanceof ValidationError && e.code === blobErrorCodes.badKey,
          `put ${JSON.stringify(key)}`,
        );
        await assert.rejects(store.get(key), ValidationError, `get ${JSON.stringify(key)}`);
        await assert.rejects(store.stat(key), ValidationError);
        await assert.rejects(store.delete(key), ValidationError);
      }
      await assert.rejects(collect(store.list('../')), ValidationError);
      assert.deepEqual(await collect(store.list('')), []);
      await store.close();
    });

    it('fails with a non-retriable AppError after close', async () => {
      const store = await open();
      await store.put('x', new Uint8Array([1]));
      await store.close();
      await assert.rejects(
        store.get('x'),
        (e: unknown) => e instanceof AppError && e.code === blobErrorCodes.closed && !e.retriable,
      );
      await assert.rejects(
        store.put('y', new Uint8Array([1])),
        (e: unknown) => e instanceof AppError && e.code === blobErrorCodes.closed,
      );
    });
  });
}
