import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AppError, ValidationError } from '../../../shared/errors/index.js';
import { storeErrorCodes, type VectorPoint, type VectorStore } from '../../../shared/store/index.js';
import { QdrantVectorStore } from '../../../shared/store/qdrant/qdrant-vector-store.js';
import { samplePayload } from '../../support/vector-store-data.js';

/**
 * The Qdrant store against real HTTP on loopback: a port nobody listens on, and a server that answers with
 * the statuses a failing Qdrant (or something that is not Qdrant) gives. The server implements no Qdrant
 * semantics: it answers `GET /` like Qdrant's root (so `open` succeeds) and every other request with the
 * status the test sets, recording what was sent. What a real Qdrant does with the requests is the contract
 * suite's business (test/contract/qdrant-vector-store.test.ts, run where QDRANT_URL is set).
 */

interface Recorded {
  method: string;
  url: string;
  body: unknown;
}

interface Loopback {
  url: string;
  requests: Recorded[];
  /** how to answer everything but GET / */
  reply: (res: ServerResponse) => void;
  server: Server;
}

async function startLoopback(): Promise<Loopback> {
  const loopback = {
    requests: [] as Recorded[],
    reply: (res: ServerResponse) => json(res, 503, { status: { error: 'Service Unavailable' } }),
  } as Loopback;
  loopback.server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (req.method === 'GET' && req.url === '/')
        return json(res, 200, { title: 'qdrant - vector search engine', version: '1.17.0' });
      loopback.requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        body: text ? JSON.parse(text) : undefined,
      });
      loopback.reply(res);
    });
  });
  await new Promise<void>((resolve) => loopback.server.listen(0, '127.0.0.1', resolve));
  loopback.url = `http://127.0.0.1:${(loopback.server.address() as AddressInfo).port}`;
  return loopback;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function isStoreError(code: string, retriable: boolean) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof AppError, String(error));
    assert.equal(error.code, code, error.message);
    assert.equal(error.retriable, retriable, error.message);
    return true;
  };
}

const ID = '0b6f3c1e-5d7a-5c1b-9a4e-2f1d0c9b8a7e';
const unit = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => (i === 0 ? 1 : 0));

function tilePoint(): VectorPoint {
  return {
    id: ID,
    vector: unit(4),
    payload: samplePayload(),
  };
}

describe('QdrantVectorStore on loopback HTTP', () => {
  let loopback: Loopback;
  let store: VectorStore;

  before(async () => {
    loopback = await startLoopback();
    store = await QdrantVectorStore.open({ url: loopback.url, timeoutMs: 300 });
  });

  after(async () => {
    await store.close();
    loopback.server.closeAllConnections();
    await new Promise<void>((resolve) => loopback.server.close(() => resolve()));
  });

  it('open: a port nobody listens on is retriable STORE_UNAVAILABLE', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    await assert.rejects(
      QdrantVectorStore.open({ url, timeoutMs: 1000 }),
      isStoreError(storeErrorCodes.unavailable, true),
    );
  });

  it('open: a server that answers 503 is retriable STORE_UNAVAILABLE; one that is not Qdrant is STORE_CORRUPT', async () => {
    const other = createServer((req, res) =>
      req.url === '/' ? json(res, 503, {}) : json(res, 200, { hello: 'world' }),
    );
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      await assert.rejects(
        QdrantVectorStore.open({ url, timeoutMs: 1000 }),
        isStoreError(storeErrorCodes.unavailable, true),
      );
      other.removeAllListeners('request');
      other.on('request', (_req, res: ServerResponse) => json(res, 200, { hello: 'world' }));
      await assert.rejects(
        QdrantVectorStore.open({ url, timeoutMs: 1000 }),
        isStoreError(storeErrorCodes.corrupt, false),
      );
    } finally {
      other.closeAllConnections();
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('open: a URL the client cannot use is a ValidationError', async () => {
    await assert.rejects(QdrantVectorStore.open({ url: 'ftp://127.0.0.1:1', timeoutMs: 1000 }), ValidationError);
  });

  it('every call on a server answering 503 fails retriable STORE_UNAVAILABLE', async () => {
    loopback.reply = (res) => json(res, 503, { status: { error: 'Service Unavailable' } });
    const unavailable = isStoreError(storeErrorCodes.unavailable, true);
    await assert.rejects(store.ensureCollection('tiles_a', 4), unavailable);
    await assert.rejects(store.upsert('tiles_a', [tilePoint()]), unavailable);
    await assert.rejects(store.search('tiles_a', { vector: unit(4), limit: 3 }), unavailable);
    await assert.rejects(store.count('tiles_a'), unavailable);
    await assert.rejects(store.scroll('tiles_a', { limit: 5 }), unavailable);
    await assert.rejects(store.facet('tiles_a', 'layer'), unavailable);
    await assert.rejects(store.get('tiles_a', [ID]), unavailable);
    await assert.rejects(store.delete('tiles_a', [ID]), unavailable);
    await assert.rejects(store.setAlias('tiles', 'tiles_a'), unavailable);
    await assert.rejects(store.listCollections(), unavailable);
  });

  it('a server that does not answer in time is retriable STORE_UNAVAILABLE', async () => {
    loopback.reply = () => {}; // never answers; the connection is closed when the test server closes
    await assert.rejects(store.count('tiles_a'), isStoreError(storeErrorCodes.unavailable, true));
  });

  it('429 is retriable, 404 on a collection is STORE_UNKNOWN_COLLECTION, 400 a ValidationError', async () => {
    loopback.reply = (res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end('{}');
    };
    await assert.rejects(store.count('tiles_a'), isStoreError(storeErrorCodes.unavailable, true));
    loopback.reply = (res) => json(res, 404, { status: { error: 'Not found: Collection `tiles_a` doesn’t exist!' } });
    await assert.rejects(store.count('tiles_a'), isStoreError(storeErrorCodes.unknownCollection, false));
    await assert.rejects(
      store.upsert('tiles_a', [tilePoint()]),
      isStoreError(storeErrorCodes.unknownCollection, false),
    );
    loopback.reply = (res) =>
      json(res, 400, { status: { error: 'Wrong input: Vector dimension error: expected dim: 4, got 3' } });
    await assert.rejects(store.search('tiles_a', { vector: unit(3), limit: 3 }), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.match(error.message, /expected dim: 4, got 3/);
      return true;
    });
  });

  it('a 200 answer of the wrong shape is STORE_CORRUPT, not retried', async () => {
    loopback.reply = (res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('not json');
    };
    await assert.rejects(store.count('tiles_a'), isStoreError(storeErrorCodes.corrupt, false));
  });

  it('sends the documented requests: named vector, filter JSON, one more hit than asked, exclusive scroll', async () => {
    loopback.reply = (res) => json(res, 503, {});
    loopback.requests.length = 0;
    await assert.rejects(store.search('tiles_a', { vector: unit(4), limit: 3, filter: { layer: ['a'] } }));
    await assert.rejects(store.scroll('tiles_a', { limit: 5, after: ID }));
    const [search, scroll] = loopback.requests;
    assert.equal(search.method, 'POST');
    assert.equal(search.url, '/collections/tiles_a/points/query');
    assert.deepEqual(search.body, {
      query: [1, 0, 0, 0],
      using: 'embedding',
      filter: { must: [{ key: 'layer', match: { any: ['a'] } }] },
      limit: 4,
      with_payload: true,
    });
    assert.equal(scroll.url, '/collections/tiles_a/points/scroll');
    assert.deepEqual(scroll.body, { offset: ID, limit: 7, with_payload: true, with_vector: false });
  });

  it('refuses bad arguments with a ValidationError before sending anything', async () => {
    loopback.requests.length = 0;
    // one at a time: a rejection must never wait unobserved while an earlier one is awaited
    const refusals: Array<() => Promise<unknown>> = [
      () => store.ensureCollection('bad name', 4),
      () => store.ensureCollection('tiles_a', 0),
      () => store.search('tiles_a', { vector: new Float32Array(4), limit: 3 }),
      () => store.search('tiles_a', { vector: Float32Array.of(1, Number.NaN), limit: 3 }),
      () => store.search('tiles_a', { vector: [1, 0] as unknown as Float32Array, limit: 3 }),
      () => store.search('tiles_a', { vector: unit(4), limit: 0 }),
      () => store.search('tiles_a', { vector: unit(4), limit: 1001 }),
      () => store.search('tiles_a', { vector: unit(4), limit: 3, filter: { layer: [] } }),
      () => store.recommend('tiles_a', { positive: [], limit: 3 }),
      () => store.count('tiles_a', { bbox: [10, 0, 10, 5] }),
      () => store.scroll('tiles_a', { limit: 10_001 }),
      () => store.scroll('tiles_a', { limit: 5, after: 'not-a-uuid' }),
      () => store.get('tiles_a', ['NOT-A-UUID']),
      () => store.delete('tiles_a', [ID.toUpperCase()]),
      () => store.facet('tiles_a', 'colour' as never),
      () => store.setAlias('bad alias', 'tiles_a'),
      () => store.getAlias(''),
      () => store.dropCollection('../x'),
    ];
    for (const refusal of refusals) await assert.rejects(refusal(), ValidationError);
    assert.deepEqual(loopback.requests, []);
  });

  it('a closed store refuses every call with STORE_CLOSED', async () => {
    const closing = await QdrantVectorStore.open({ url: loopback.url, timeoutMs: 300 });
    await closing.close();
    const closed = isStoreError(storeErrorCodes.closed, false);
    await assert.rejects(closing.count('tiles_a'), closed);
    await assert.rejects(closing.search('tiles_a', { vector: unit(4), limit: 1 }), closed);
    await assert.rejects(closing.upsert('tiles_a', [tilePoint()]), closed);
    await assert.rejects(closing.listCollections(), closed);
  });
});
