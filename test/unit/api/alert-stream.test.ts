import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertRecord, NewAlert } from '../../../shared/alerts/index.js';
import { silentLogger } from '../../../shared/log/index.js';
import { ALERT_STREAM_HEADERS, AlertStreams } from '../../../services/api/alerts/index.js';
import { openTestApi, type TestApi } from '../../support/api-fixtures.js';

// GET /v1/alerts/stream over a real socket: the app listening on 127.0.0.1:0, alerts recorded straight into the
// alert store (as an alerter in another process would), a minimal EventSource reading the frames.

/** One server-sent event as a client sees it. */
interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

interface SseConnection {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** every event so far (comments such as `: ping` are in `comments`) */
  events: SseEvent[];
  comments: string[];
  /** resolves when at least `n` events have arrived; rejects after `timeoutMs` naming what arrived */
  waitForEvents(n: number, timeoutMs?: number): Promise<SseEvent[]>;
  /** resolves when the server ends the response */
  ended: Promise<void>;
  /** the body, when the server answered with something other than a stream (an error) */
  body(): string;
  close(): void;
}

/**
 * A minimal EventSource over node:http for the alert stream tests: parses `id:`, `event:`, `data:` fields and
 * comment lines per the SSE format, so what the test asserts is what a browser would see.
 */
function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    // agent: false: a connection of its own, never a pooled keep-alive socket the server has already closed
    const req = http.get(url, { agent: false, headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      res.setEncoding('utf8');
      let buffer = '';
      let raw = '';
      const events: SseEvent[] = [];
      const comments: string[] = [];
      const waiters = new Set<() => void>();
      res.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = { data: '' };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) event.id = line.slice(4);
            else if (line.startsWith('event: ')) event.event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) {
            event.data = data.join('\n');
            events.push(event);
          }
        }
        for (const wake of [...waiters]) wake();
      });
      const ended = new Promise<void>((done) => res.once('close', () => done()));
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        comments,
        ended,
        body: () => raw,
        waitForEvents(n, timeoutMs = 5000) {
          if (events.length >= n) return Promise.resolve([...events]);
          return new Promise((done, fail) => {
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(
                new Error(`waited ${timeoutMs} ms for ${n} events, got ${events.length}: ${JSON.stringify(events)}`),
              );
            }, timeoutMs);
            const check = () => {
              if (events.length < n) return;
              clearTimeout(timer);
              waiters.delete(check);
              done([...events]);
            };
            waiters.add(check);
          });
        },
        close: () => req.destroy(),
      });
    });
    req.once('error', reject);
  });
}

let api: TestApi;
let base: string;
let ruleId: string;
let nextTile = 0;

/** Records an alert on the next tile of the index (each tile once, so none is a duplicate). */
async function record(score = 0.97): Promise<AlertRecord> {
  const tile = api.tiles[nextTile++ % api.tiles.length];
  const alert: NewAlert = {
    ruleId,
    tileId: tile.id,
    sha256: tile.payload.sha256,
    model: api.model,
    score,
    payload: tile.payload,
    alertedAt: new Date().toISOString(),
  };
  const result = await api.deps.alerts.recordAlert(alert);
  assert.ok(result.recorded, JSON.stringify(result));
  return result.alert;
}

const ids = (events: SseEvent[]) => events.map((e) => e.id);

before(async () => {
  api = await openTestApi();
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  const { rule } = await api.deps.alerts.createRule(
    {
      name: 'stream',
      references: [{ kind: 'tile', tileId: api.tileIds[0], label: 'tile', bytes: api.tiles[0].bytes }],
      threshold: 0.5,
      cooldownSeconds: 0,
      enabled: true,
    },
    new Date(),
  );
  ruleId = rule.id;
});
after(async () => {
  await api?.close();
});

describe('GET /v1/alerts/stream', () => {
  it('streams alerts recorded after it connected, as id/event/data frames with the stream headers', async () => {
    const old = await record();
    const sse = await openSse(`${base}/v1/alerts/stream`);
    try {
      assert.equal(sse.status, 200);
      assert.match(String(sse.headers['content-type']), /^text\/event-stream/);
      assert.equal(sse.headers['cache-control'], 'no-cache');
      assert.equal(sse.headers['x-accel-buffering'], 'no');
      const a = await record(0.91);
      const b = await record(0.92);
      const events = await sse.waitForEvents(2);
      assert.deepEqual(ids(events), [a.id, b.id], `the alert from before (${old.id}) is not replayed`);
      assert.ok(events.every((e) => e.event === 'alert'));
      const data = JSON.parse(events[0].data) as Record<string, unknown>;
      assert.equal(data.id, a.id);
      assert.equal(data.ruleId, ruleId);
      assert.equal(data.tileId, a.tileId);
      assert.equal(data.score, 0.91);
      assert.deepEqual(data.payload, a.payload);
      assert.equal(data.thumbnailUrl, `/v1/tiles/${a.tileId}/thumbnail`);
      assert.match(String(data.worldviewUrl), /^https:\/\/worldview\.earthdata\.nasa\.gov\/\?/);
    } finally {
      sse.close();
    }
  });

  it('resuming with Last-Event-ID or ?after= gets exactly the newer alerts', async () => {
    const a = await record();
    const b = await record();
    const c = await record();
    const resumed = await openSse(`${base}/v1/alerts/stream`, { 'last-event-id': a.id });
    const byQuery = await openSse(`${base}/v1/alerts/stream?after=${b.id}`);
    // the header wins over the query (what a reconnecting EventSource sends is the newest it saw)
    const both = await openSse(`${base}/v1/alerts/stream?after=${a.id}`, { 'last-event-id': b.id });
    try {
      assert.deepEqual(ids(await resumed.waitForEvents(2)), [b.id, c.id]);
      assert.deepEqual(ids(await byQuery.waitForEvents(1)), [c.id]);
      assert.deepEqual(ids(await both.waitForEvents(1)), [c.id]);
      const d = await record();
      assert.deepEqual(ids(await resumed.waitForEvents(3)), [b.id, c.id, d.id]);
      assert.deepEqual(ids(await byQuery.waitForEvents(2)), [c.id, d.id]);
      // nothing twice
      await new Promise((done) => setTimeout(done, 600));
      assert.equal(resumed.events.length, 3);
      assert.equal(byQuery.events.length, 2);
    } finally {
      resumed.close();
      byQuery.close();
      both.close();
    }
  });

  it('delivers a burst larger than one store page, in order', async () => {
    const from = await record();
    const sse = await openSse(`${base}/v1/alerts/stream?after=${from.id}`);
    try {
      const burst: string[] = [];
      for (let i = 0; i < 30; i++) burst.push((await record()).id);
      assert.deepEqual(ids(await sse.waitForEvents(30)), burst);
    } finally {
      sse.close();
    }
  });

  it('refuses a bad cursor (query or Last-Event-ID), an unknown parameter and an unknown key with the error body', async () => {
    for (const [url, headers] of [
      ['/v1/alerts/stream?after=abc', {}],
      ['/v1/alerts/stream?after=-3', {}],
      ['/v1/alerts/stream?colour=red', {}],
      ['/v1/alerts/stream', { 'last-event-id': 'not-an-id' }],
    ] as const) {
      const sse = await openSse(`${base}${url}`, headers);
      await sse.ended;
      assert.equal(sse.status, 400, url);
      const body = JSON.parse(sse.body()) as { code: string; message: string };
      assert.equal(body.code, 'VALIDATION');
      assert.ok(body.message.length > 0);
    }
    const sse = await openSse(`${base}/v1/alerts/stream`, { authorization: 'Bearer gek_unknown' });
    await sse.ended;
    assert.equal(sse.status, 401);
  });

  it('a client going away ends its stream; app.close() ends the open ones promptly', { timeout: 20_000 }, async () => {
    const other = await openTestApi();
    try {
      await other.app.listen({ host: '127.0.0.1', port: 0 });
      const url = `http://127.0.0.1:${(other.app.server.address() as AddressInfo).port}/v1/alerts/stream`;
      const gone = await openSse(url);
      gone.close();
      const open = [await openSse(url), await openSse(url, { authorization: `Bearer ${other.keys.read}` })];
      assert.ok(open.every((s) => s.status === 200));
      const t0 = performance.now();
      await other.app.close();
      await Promise.all(open.map((s) => s.ended));
      const ms = performance.now() - t0;
      assert.ok(ms < 2000, `app.close() took ${ms.toFixed(0)} ms with two open streams`);
      // the server is really gone
      await assert.rejects(
        new Promise((resolve, reject) => http.get(url, { agent: false }, resolve).once('error', reject)),
        /ECONNREFUSED/,
      );
    } finally {
      await other.close();
    }
  });

  it('AlertStreams sends `: ping` comments while quiet, a retry hint first, and closeAll ends every stream', async () => {
    const streams = new AlertStreams(api.deps.alerts, silentLogger(), {
      pollMs: 20,
      pingMs: 100,
      batch: 5,
      retryMs: 1500,
    });
    const server = http.createServer((_req, res) => {
      res.writeHead(200, ALERT_STREAM_HEADERS);
      streams.serve(res, undefined);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const sse = await openSse(url);
      await new Promise((done) => setTimeout(done, 450));
      assert.ok(sse.comments.filter((c) => c === 'ping').length >= 3, `pings: ${JSON.stringify(sse.comments)}`);
      assert.match(sse.body(), /^retry: 1500\n\n/);
      // after: undefined is the whole history here (the route passes the newest id for a fresh client)
      assert.ok(sse.events.length >= 1);
      const ordered = sse.events.map((e) => Number(e.id));
      assert.deepEqual(
        ordered,
        [...ordered].sort((a, b) => a - b),
      );
      assert.equal(streams.size, 1);
      streams.closeAll();
      await sse.ended;
      assert.equal(streams.size, 0);
    } finally {
      await new Promise((done) => server.close(done));
    }
  });
});
