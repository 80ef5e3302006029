import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { AbortedError, AppError, RetriesExhaustedError, ValidationError } from '../../../../shared/errors/index.js';
import {
  GibsClient,
  userAgent,
  type GibsClientOptions,
  gibsClientErrorCodes,
} from '../../../../services/harvester/http/index.js';
import { HttpError, httpErrorCodes } from '../../../../shared/http/index.js';
import type { RetryPolicy } from '../../../../shared/retry/index.js';
import { kit } from '../../../support/data-kit.js';

const dataDir = kit();
const tilePath = '/wmts/epsg4326/best/MODIS_Terra_CorrectedReflectance_TrueColor/default/2016-01-24/250m/5/5/10.jpg';
const fast: RetryPolicy = { retries: 4, initialMs: 5, maxMs: 2000, factor: 2, jitter: 0.5 };

/** What the scripted server does for one request: a status, a reset, a truncated body, or silence. */
type Action = 'ok' | 'reset' | 'truncate' | 'hang' | { status: number; retryAfter?: string };

interface Scripted {
  url: string;
  /** actions consumed per path, in order; 'ok' once the script runs out */
  script(pathname: string, actions: Action[]): void;
  requests: { path: string; userAgent?: string; ifNoneMatch?: string }[];
  connections: number;
  peakInFlight: number;
  close(): Promise<void>;
}

async function startScripted(tile: Buffer): Promise<Scripted> {
  const scripts = new Map<string, Action[]>();
  const etag = `"${createHash('sha256').update(tile).digest('hex').slice(0, 16)}"`;
  let inFlight = 0;
  const state: Omit<Scripted, 'url' | 'close' | 'script'> = { requests: [], connections: 0, peakInFlight: 0 };
  const server = http.createServer((req, res) => {
    inFlight++;
    state.peakInFlight = Math.max(state.peakInFlight, inFlight);
    res.on('close', () => inFlight--);
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    state.requests.push({
      path: pathname,
      userAgent: req.headers['user-agent'],
      ifNoneMatch: req.headers['if-none-match'],
    });
    const action = scripts.get(pathname)?.shift() ?? 'ok';
    // Hold each answer a moment so concurrent requests overlap and the peak is observable.
    setTimeout(() => {
      if (action === 'hang') return;
      if (action === 'reset') {
        req.socket.destroy();
        return;
      }
      if (action === 'truncate') {
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': tile.length });
        res.write(tile.subarray(0, tile.length >> 1));
        setTimeout(() => req.socket.destroy(), 5);
        return;
      }
      if (typeof action === 'object') {
        res.writeHead(action.status, {
          'content-type': 'text/plain',
          ...(action.retryAfter ? { 'retry-after': action.retryAfter } : {}),
        });
        res.end(`scripted ${action.status}`);
        return;
      }
      if (pathname === '/missing') {
        res.writeHead(404).end('no such date');
        return;
      }
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag }).end();
        return;
      }
      res.writeHead(200, {
        'content-type': 'image/jpeg',
        'content-length': tile.length,
        etag,
        'layer-time-actual': '2016-01-24T00:00:00Z',
      });
      res.end(tile);
    }, 3);
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    script: (pathname: string, actions: Action[]) => void scripts.set(pathname, [...actions]),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

describe('GibsClient against a scripted loopback server', () => {
  let tile: Buffer;
  let server: Scripted;
  const clients: GibsClient[] = [];
  const client = (options: Partial<GibsClientOptions> = {}) => {
    const c = new GibsClient({
      baseUrl: server.url,
      userAgent: 'gibs-embed/test (+tests@example.org)',
      retry: fast,
      maxMbps: 'unlimited',
      ...options,
    });
    clients.push(c);
    return c;
  };

  before(async () => {
    tile = await readFile(path.join(dataDir, 'gibs/tiles/epsg4326', tilePath.replace('/wmts/epsg4326/best/', '')));
    server = await startScripted(tile);
  });
  after(async () => {
    for (const c of clients) await c.close();
    await server.close();
  });

  it('returns the exact bytes and headers, identifying itself', async () => {
    const result = await client().fetchTile(tilePath);
    assert.equal(result.status, 'ok');
    assert.ok(result.status === 'ok');
    assert.deepEqual(Buffer.from(result.bytes), tile);
    assert.equal(result.contentType, 'image/jpeg');
    assert.equal(result.layerTimeActual, '2016-01-24T00:00:00Z');
    assert.match(result.etag ?? '', /^"[0-9a-f]{16}"$/);
    assert.equal(result.attempts, 1);
    assert.equal(server.requests.at(-1)?.userAgent, 'gibs-embed/test (+tests@example.org)');
  });

  it('turns a matching ETag into not-modified', async () => {
    const c = client();
    const first = await c.fetchTile(tilePath);
    const second = await c.fetchTile(tilePath, { etag: first.etag });
    assert.equal(second.status, 'not-modified');
    assert.equal(server.requests.at(-1)?.ifNoneMatch, first.etag);
  });

  it('maps 404 and 400 to non-retriable errors after one request', async () => {
    const c = client();
    const before404 = server.requests.length;
    await assert.rejects(
      c.fetchTile('/missing'),
      (e: unknown) =>
        e instanceof HttpError && e.code === httpErrorCodes.dateOutOfRange && !e.retriable && e.status === 404,
    );
    assert.equal(server.requests.length - before404, 1);
    server.script('/bad', [{ status: 400 }]);
    await assert.rejects(
      c.fetchTile('/bad'),
      (e: unknown) =>
        e instanceof AppError &&
        e.code === httpErrorCodes.badRequest &&
        !e.retriable &&
        /bad time, layer or tile/.test(e.message),
    );
    assert.equal(server.requests.length - before404, 2);
  });

  it('retries 503, 502, resets and truncated bodies until the tile arrives whole', async () => {
    server.script('/flaky.jpg', [{ status: 503 }, 'reset', { status: 502 }, 'truncate']);
    const retries: string[] = [];
    const result = await client().fetchTile('/flaky.jpg', { onRetry: (e) => retries.push(e.code) });
    assert.ok(result.status === 'ok');
    assert.deepEqual(Buffer.from(result.bytes), tile);
    assert.equal(result.attempts, 5);
    assert.deepEqual(retries, ['UPSTREAM_UNAVAILABLE', 'NETWORK', 'UPSTREAM_UNAVAILABLE', 'TRUNCATED']);
  });

  it('waits out Retry-After on 429', async () => {
    server.script('/limited.jpg', [{ status: 429, retryAfter: '1' }]);
    const delays: number[] = [];
    const started = Date.now();
    const result = await client().fetchTile('/limited.jpg', { onRetry: (_e, _a, ms) => delays.push(ms) });
    assert.equal(result.status, 'ok');
    assert.deepEqual(delays, [1000]);
    assert.ok(Date.now() - started >= 990);
  });

  it('gives up with RetriesExhaustedError carrying the last failure', async () => {
    server.script(
      '/down.jpg',
      Array.from({ length: 10 }, () => ({ status: 503 })),
    );
    const error = await client({ retry: { ...fast, retries: 2 } })
      .fetchTile('/down.jpg')
      .catch((e: unknown) => e);
    assert.ok(error instanceof RetriesExhaustedError);
    assert.equal(error.attempts, 3);
    assert.ok(error.cause instanceof HttpError && error.cause.status === 503);
  });

  it('times out a silent server as a retriable TIMEOUT', async () => {
    server.script('/silent.jpg', ['hang', 'hang']);
    const error = await client({ timeoutMs: 150, retry: { ...fast, retries: 1 } })
      .fetchTile('/silent.jpg')
      .catch((e: unknown) => e);
    assert.ok(error instanceof RetriesExhaustedError);
    assert.ok(
      error.cause instanceof HttpError && error.cause.code === gibsClientErrorCodes.timeout && error.cause.retriable,
    );
  });

  it('stops at once when the caller aborts', async () => {
    server.script('/slow.jpg', ['hang']);
    const controller = new AbortController();
    const pending = client({ timeoutMs: 10_000 }).fetchTile('/slow.jpg', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, AbortedError);
  });

  it('reuses keep-alive sockets and never exceeds its concurrency', async () => {
    const c = client({ concurrency: 2 });
    const connectionsBefore = server.connections;
    server.peakInFlight = 0;
    const results = await Promise.all(Array.from({ length: 20 }, () => c.fetchTile(tilePath)));
    assert.ok(results.every((r) => r.status === 'ok'));
    assert.equal(server.peakInFlight, 2);
    assert.ok(
      server.connections - connectionsBefore <= 2,
      `opened ${server.connections - connectionsBefore} connections`,
    );
  });

  it('caps bandwidth across concurrent requests', async () => {
    // 1 Mbps = 125 kB/s with 31 kB of burst; 4 tiles of ~51 kB need at least ~1.4 s
    const c = client({ maxMbps: 1, concurrency: 4 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 4 }, () => c.fetchTile(tilePath)));
    const elapsed = (Date.now() - started) / 1000;
    const floor = (4 * tile.length - 125_000 / 4) / 125_000;
    assert.ok(elapsed >= floor * 0.95, `took ${elapsed.toFixed(2)} s, floor ${floor.toFixed(2)} s`);
  });

  it('refuses impolite or broken options with ValidationError', () => {
    const base = { baseUrl: 'https://gibs.earthdata.nasa.gov', userAgent: 'gibs-embed/test' };
    assert.throws(
      () => new GibsClient({ ...base, concurrency: 33 }),
      (e: unknown) => e instanceof ValidationError && /33/.test(e.message) && /1 to 32/.test(e.message),
    );
    assert.throws(() => new GibsClient({ ...base, concurrency: 0 }), ValidationError);
    assert.throws(
      () => new GibsClient({ ...base, maxMbps: 51 }),
      (e: unknown) => e instanceof ValidationError && /51/.test(e.message),
    );
    assert.throws(
      () => new GibsClient({ ...base, maxMbps: 'unlimited' }),
      (e: unknown) => e instanceof ValidationError && /loopback/.test(e.message),
    );
    assert.throws(() => new GibsClient({ ...base, userAgent: ' ' }), ValidationError);
    assert.throws(() => new GibsClient({ ...base, baseUrl: 'gibs.earthdata' }), ValidationError);
    assert.throws(() => new GibsClient({ ...base, baseUrl: 'ftp://gibs.earthdata.nasa.gov' }), ValidationError);
  });

  it('builds the conventional User-Agent', () => {
    assert.equal(userAgent('0.1.0', 'ops@example.org'), 'gibs-embed/0.1.0 (+ops@example.org)');
    assert.equal(userAgent('0.1.0'), 'gibs-embed/0.1.0');
  });

  it('fails clearly after close', async () => {
    const c = client();
    await c.close();
    await assert.rejects(
      c.fetchTile(tilePath),
      (e: unknown) => e instanceof AppError && e.code === gibsClientErrorCodes.closed,
    );
  });
});
