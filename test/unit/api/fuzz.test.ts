import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { openTestApi, type TestApi } from '../../support/api-fixtures.js';

// A bounded, seeded fuzz of the whole app (inject, rate limiting off): a few thousand malformed requests across
// every operation of /openapi.json (and the page's paths), built by fast-check from a valid request of each
// operation: wrong methods and content types, truncated, random and deeply nested JSON, wrong types and absurd
// values per field, unknown fields, bad UUIDs, dates and bboxes, random bytes as images, oversized bodies and
// multipart garbage. Whatever comes in: no 5xx, and every 4xx carries the contract's error body.

const SEED = 20_261_130;
const RUNS = 5000;
/** small limits, so oversized bodies and uploads are cheap to send */
const BODY_LIMIT = 64 * 1024;
const UPLOAD_LIMIT = 32 * 1024;
/** a request that has not answered by then hangs: a bug of its own */
const REQUEST_TIMEOUT_MS = 10_000;

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
const METHODS: Method[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

interface Operation {
  method: Method;
  /** OpenAPI path, `{id}` for the path parameter */
  path: string;
  /** a valid JSON body, for operations that take one */
  body?: unknown;
  /** valid query parameters */
  query?: Record<string, string>;
  multipart?: boolean;
}

interface FuzzRequest {
  /** the operation it was made from, `METHOD path` */
  op: string;
  method: Method;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** what the request was, for the failure report */
  label: string;
}

let api: TestApi;
let operations: Operation[];
let ruleId: string;

/** A valid request of each operation, keyed `METHOD path`: the fuzz mutates these. */
function validShapes(): Record<string, Omit<Operation, 'method' | 'path'>> {
  const tileId = api.tileIds[0];
  return {
    'POST /v1/search': {
      body: {
        positives: [{ tileId }],
        negatives: [{ tileId: api.tileIds[1] }],
        filter: {
          from: '2016-01-01',
          to: '2020-12-31',
          bbox: [-180, -90, 180, 90],
          layers: [api.tiles[0].payload.layer],
          levels: [0, 5],
        },
        limit: 5,
        offset: 0,
        format: 'json',
      },
      query: { format: 'json' },
      multipart: true,
    },
    'POST /v1/apikeys': { body: { role: 'read', name: 'fuzz' } },
    'POST /v1/alerts/rules': {
      body: {
        name: 'fuzz',
        references: [{ tileId }],
        threshold: 0.9,
        filter: { bbox: [-10, -10, 10, 10], near: { lon: 0, lat: 0, radiusKm: 500 }, layers: ['L'], levels: [1] },
        cooldownSeconds: 60,
        webhookUrl: 'https://93.184.216.34/hook',
        enabled: true,
      },
    },
    'PATCH /v1/alerts/rules/{id}': { body: { threshold: 0.5, name: 'renamed', filter: null } },
    'GET /v1/alerts': { query: { ruleId, after: '0', limit: '10' } },
    'GET /v1/alerts/stream': { query: { after: '0' } },
    'GET /v1/tiles/{id}/thumbnail': { query: { size: '64' } },
    'GET /v1/embedding-sample': { query: { limit: '10', seed: '3' } },
  };
}

// ---- generators -------------------------------------------------------------------------------------------

function nest(depth: number, leaf: unknown, asArray: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}

/** Values no field wants: wrong types, absurd numbers, NaN as text, bad UUIDs and dates, bad bboxes, bytes. */
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    false,
    0,
    -1,
    -0.5,
    1e308,
    -1e308,
    2 ** 53 + 2,
    1.5,
    'NaN',
    'Infinity',
    '-Infinity',
    '',
    ' ',
    '1e309',
    '0x10',
    '2026-02-30',
    '2026-13-01',
    '2026-06-01T25:00:00Z',
    '99999-01-01',
    'yesterday',
    'not-a-uuid',
    '00000000-0000-0000-0000-000000000000',
    'ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ',
    [],
    {},
    [null],
    [1, 2, 3],
    [-200, -100, 200, 100],
    [10, 50, 20, 40],
    [0, 0, 0, 0],
    [5, 5, 5, 5, 5],
    { lon: 500, lat: 0, radiusKm: -1 },
    'x'.repeat(5000),
    '\u0000',
    '💥',
    '%00',
    '../../etc/passwd',
    { tileId: 'nope' },
    [{ image: 'AAAA' }],
    [{ image: '!!!' }],
    [{ vector: [] }],
    [{ vector: [1, 2, 3] }],
  ),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer({ min: 20, max: 2000 }).map((depth) => nest(depth, 1, depth % 2 === 0)),
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('base64')),
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => [{ image: Buffer.from(bytes).toString('base64') }]),
);

/** Every path into a JSON value (objects and arrays), the root excluded. */
function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...prefix, i], ...paths(v, [...prefix, i])]);
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
  return [];
}

function setAt(
  root: unknown,
  path: Array<string | number>,
  edit: (parent: Record<string | number, unknown>, key: string | number) => void,
): unknown {
  const copy = structuredClone(root);
  let parent = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  edit(parent, path[path.length - 1]);
  return copy;
}

/** A JSON body text: the valid one, one field wrong / gone / unknown added, truncated, or something else entirely. */
function jsonBody(valid: unknown): fc.Arbitrary<string | Buffer> {
  const fieldPaths = paths(valid);
  const mutated: fc.Arbitrary<unknown>[] = [fc.constant(valid), fc.constant(valid)];
  if (fieldPaths.length > 0) {
    const path = fc.constantFrom(...fieldPaths);
    mutated.push(
      fc.tuple(path, weirdValue).map(([p, v]) => setAt(valid, p, (parent, key) => void (parent[key] = v))),
      fc.tuple(path, weirdValue).map(([p, v]) => setAt(valid, p, (parent, key) => void (parent[key] = v))),
      path.map((p) =>
        setAt(valid, p, (parent, key) => {
          if (Array.isArray(parent)) parent.splice(Number(key), 1);
          else delete parent[key];
        }),
      ),
    );
  }
  mutated.push(
    fc
      .tuple(fc.string({ minLength: 1, maxLength: 12 }), weirdValue)
      .map(([k, v]) => ({ ...(valid as object), [k]: v })),
  );
  const text = JSON.stringify(valid);
  return fc.oneof(
    { weight: 6, arbitrary: fc.oneof(...mutated).map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: Math.max(0, text.length - 1) }).map((n) => text.slice(0, n)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: weirdValue.map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{"__proto__":{"polluted":true}}',
        '{"constructor":{"prototype":{"polluted":true}}}',
        `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
        `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`,
        '{"positives": [{"tileId": "a"}], "positives": 3}',
        '\uFEFF{}',
        ' ',
        'null',
        '1e999999',
      ),
    },
    // over the body limit
    { weight: 1, arbitrary: fc.constant(JSON.stringify({ ...(valid as object), name: 'x'.repeat(BODY_LIMIT + 10) })) },
  );
}

/** A multipart body: image/negative file parts of random bytes, a query part, unknown parts, truncation. */
const multipartBody: fc.Arbitrary<{ boundary: string; body: Buffer }> = fc
  .record({
    boundary: fc.constantFrom('XyZ', 'fuzz-boundary-123', '----WebKitFormBoundary7MA4YWxkTrZu0gW'),
    parts: fc.array(
      fc.record({
        name: fc.constantFrom('image', 'negative', 'query', 'other', '', 'image"; x="y'),
        file: fc.boolean(),
        type: fc.constantFrom('image/jpeg', 'image/png', 'application/json', 'text/plain', 'application/octet-stream'),
        content: fc.oneof(
          fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
          fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
          fc.constantFrom(
            Buffer.from('{"positives":[],"limit":5}'),
            Buffer.from('{"limit": 5, "filter": {"bbox": [0, 0, 500, 1]}}'),
            Buffer.from('{"limit":'),
            Buffer.alloc(UPLOAD_LIMIT + 100, 0xff),
          ),
        ),
      }),
      { maxLength: 36 },
    ),
    closed: fc.boolean(),
  })
  .map(({ boundary, parts, closed }) => {
    const chunks: Buffer[] = [];
    for (const part of parts) {
      const disposition = part.file
        ? `form-data; name="${part.name}"; filename="f.bin"`
        : `form-data; name="${part.name}"`;
      chunks.push(
        Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\nContent-Type: ${part.type}\r\n\r\n`),
        part.content,
        Buffer.from('\r\n'),
      );
    }
    if (closed) chunks.push(Buffer.from(`--${boundary}--\r\n`));
    return { boundary, body: Buffer.concat(chunks) };
  });

/** Ids the app knows, per kind of path: half the time the fuzz sends one of these, so requests get past the path. */
let knownIds: { tile: string[]; rule: string[]; doomedRule: string[]; alert: string[]; apikey: string[] };

function pathParam(method: Method, path: string): fc.Arbitrary<string> {
  // deleting the rule every other operation works on would leave them nothing but 404s
  const known = path.startsWith('/v1/tiles')
    ? knownIds.tile
    : path.startsWith('/v1/alerts/rules')
      ? method === 'DELETE'
        ? knownIds.doomedRule
        : knownIds.rule
      : path.startsWith('/v1/alerts')
        ? knownIds.alert
        : path.startsWith('/v1/apikeys')
          ? knownIds.apikey
          : ['app.js', 'x'];
  const garbage = fc.oneof(
    fc.constantFrom(
      api.tileIds[0].toUpperCase(),
      '3b1f4c2e-9d8a-4b7c-8e6f-5a4b3c2d1e0f',
      '1',
      '0',
      '99999999999999999999',
      '-1',
      '1.5',
      'abc',
      '%00',
      '..',
      '%2e%2e%2f%2e%2e%2fetc',
      '%E0%A4%A',
      encodeURIComponent('💥'),
      'x'.repeat(3000),
      '%20',
    ),
    fc.string({ maxLength: 30 }).map(encodeURIComponent),
  );
  return fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: garbage });
}

function queryString(valid: Record<string, string> | undefined): fc.Arbitrary<string> {
  const keys = Object.keys(valid ?? {});
  const weirdText = fc.oneof(
    weirdValue.map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))),
    fc.string({ maxLength: 20 }),
  );
  const entries = keys.map((key) =>
    fc.oneof(
      { weight: 8, arbitrary: fc.constant(`${key}=${encodeURIComponent(valid![key])}`) },
      { weight: 3, arbitrary: weirdText.map((v) => `${key}=${encodeURIComponent(v)}`) },
      { weight: 1, arbitrary: fc.constant('') },
      { weight: 1, arbitrary: fc.constant(`${key}=1&${key}=2`) },
      { weight: 1, arbitrary: fc.constant(`${key}=%E0%A4%A`) },
      { weight: 1, arbitrary: fc.constant(key) },
    ),
  );
  return fc
    .tuple(
      fc.tuple(...entries),
      fc.option(fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), weirdText), { freq: 4 }),
    )
    .map(([parts, extra]) => {
      const all = parts.filter((p) => p !== '');
      if (extra) all.push(`${encodeURIComponent(extra[0])}=${encodeURIComponent(extra[1])}`);
      return all.join('&');
    });
}

const otherContentType = fc.constantFrom(
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'image/jpeg',
  'multipart/form-data',
  'garbage/;;;',
  'application/json; charset=latin1',
  '',
);

function requestFor(op: Operation): fc.Arbitrary<FuzzRequest> {
  const auth = fc.oneof(
    { weight: 12, arbitrary: fc.constant<Record<string, string>>({ authorization: `Bearer ${api.keys.admin}` }) },
    { weight: 1, arbitrary: fc.constant<Record<string, string>>({ 'x-api-key': api.keys.write }) },
    { weight: 1, arbitrary: fc.constant<Record<string, string>>({ authorization: `Bearer ${api.keys.read}` }) },
    { weight: 1, arbitrary: fc.constant<Record<string, string>>({}) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Record<string, string>>(
        { authorization: 'Bearer ' },
        { authorization: 'Basic YWxhZGRpbjpvcGVuc2VzYW1l' },
        { authorization: `Bearer gek_${'A'.repeat(43)}` },
        { authorization: `Bearer ${api.keys.admin} extra` },
        { 'x-api-key': 'x'.repeat(5000) },
      ),
    },
  );
  const method = fc.oneof(
    { weight: 4, arbitrary: fc.constant(op.method) },
    { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
  );
  const contentType = fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    { weight: 4, arbitrary: otherContentType },
  );
  const body: fc.Arbitrary<{ payload?: string | Buffer; type?: string }> =
    op.body !== undefined
      ? fc.oneof(
          {
            weight: 5,
            arbitrary: fc.tuple(jsonBody(op.body), contentType).map(([payload, type]) => ({ payload, type })),
          },
          {
            weight: op.multipart ? 2 : 1,
            arbitrary: multipartBody.map(({ boundary, body: payload }) => ({
              payload,
              type: `multipart/form-data; boundary=${boundary}`,
            })),
          },
          { weight: 1, arbitrary: fc.constant({}) },
        )
      : fc.oneof(
          { weight: 4, arbitrary: fc.constant({}) },
          {
            weight: 1,
            arbitrary: fc.tuple(jsonBody({ x: 1 }), contentType).map(([payload, type]) => ({ payload, type })),
          },
        );
  const extraHeaders = fc.option(
    fc.constantFrom<Record<string, string>>(
      { 'last-event-id': 'not-an-id' },
      { 'last-event-id': '-5' },
      { 'last-event-id': '1'.repeat(40) },
      { 'content-length': '5' },
      { 'if-none-match': '"garbage"' },
      { accept: 'application/xml' },
      { 'accept-encoding': 'gzip, br, zstd' },
    ),
    { freq: 5 },
  );
  return fc
    .record({
      method,
      auth,
      body,
      query: queryString(op.query),
      id: pathParam(op.method, op.path),
      extra: extraHeaders,
    })
    .map(({ method: m, auth: a, body: b, query, id, extra }) => {
      let path = op.path.replace('{id}', m === 'DELETE' && id === ruleId ? knownIds.doomedRule[0] : id);
      let q = query;
      const headers: Record<string, string> = { ...a, ...(extra ?? {}) };
      // a valid stream request would stream (through inject: never end); keep this one short of valid
      if (op.path === '/v1/alerts/stream' && m === 'GET' && !/after=(?!\d+(&|$))/.test(q)) q = `${q}&after=not-an-id`;
      if (b.type !== undefined && b.type !== '') headers['content-type'] = b.type;
      if (q !== '') path = `${path}?${q}`;
      return {
        op: `${op.method} ${op.path}`,
        method: m,
        url: path,
        headers,
        payload: b.payload,
        label: `${m} ${path.slice(0, 160)} [${headers['content-type'] ?? 'no type'}] ${describeBody(b.payload)}`,
      };
    });
}

function describeBody(payload: string | Buffer | undefined): string {
  if (payload === undefined) return '(no body)';
  const text =
    typeof payload === 'string' ? payload : `<${payload.length} bytes> ${payload.subarray(0, 60).toString('latin1')}`;
  return text.length > 200 ? `${text.slice(0, 200)}…(${text.length})` : text;
}

// ---- the run ----------------------------------------------------------------------------------------------

before(async () => {
  api = await openTestApi({ 'api.bodyLimitBytes': BODY_LIMIT, 'api.uploadLimitBytes': UPLOAD_LIMIT });
  const createRule = async (name: string) => {
    const created = await api.app.inject({
      method: 'POST',
      url: '/v1/alerts/rules',
      headers: { authorization: `Bearer ${api.keys.write}` },
      payload: { name, references: [{ tileId: api.tileIds[0] }], threshold: 0.9 },
    });
    assert.equal(created.statusCode, 201, created.body);
    return (created.json() as { rule: { id: string } }).rule.id;
  };
  ruleId = await createRule('fuzz target');
  const doomedRule = [await createRule('fuzz: to delete'), await createRule('fuzz: to delete too')];
  const tile = api.tiles[1];
  const recorded = await api.deps.alerts.recordAlert({
    ruleId,
    tileId: tile.id,
    sha256: tile.payload.sha256,
    model: api.model,
    score: 0.95,
    payload: tile.payload,
    alertedAt: new Date().toISOString(),
  });
  assert.ok(recorded.recorded);
  const spareKeys = [api.deps.keys.create('read', 'fuzz spare').id, api.deps.keys.create('write', 'fuzz spare').id];
  knownIds = {
    tile: api.tileIds.slice(0, 8),
    rule: [ruleId],
    doomedRule,
    alert: recorded.recorded ? [recorded.alert.id] : [],
    apikey: spareKeys,
  };

  const doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, unknown>>;
  };
  const shapes = validShapes();
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => {
      const method = m.toUpperCase() as Method;
      return { method, path, ...(shapes[`${method} ${path}`] ?? {}) };
    }),
  );
  // the page and the docs are not in the document
  for (const path of ['/', '/assets/app.js', '/assets/{id}', '/docs', '/docs/static/index.html', '/nowhere/{id}'])
    operations.push({ method: 'GET', path });
});
after(async () => {
  await api?.close();
});

interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
}

describe('API fuzz', () => {
  it(
    `${RUNS} malformed requests across every route: no 5xx, every 4xx in the error shape`,
    { timeout: 180_000 },
    async (t) => {
      const documented = operations.filter((op) => !['/', '/docs'].includes(op.path) && !op.path.startsWith('/assets'));
      assert.ok(documented.length >= 20, `the OpenAPI document lists ${documented.length} operations`);
      for (const key of Object.keys(validShapes()))
        assert.ok(
          operations.some((op) => `${op.method} ${op.path}` === key),
          `${key} is in /openapi.json`,
        );

      const requests = fc.sample(
        fc.constantFrom(...operations).chain((op) => requestFor(op)),
        { seed: SEED, numRuns: RUNS },
      );
      const histogram = new Map<number, number>();
      const byOperation = new Map<string, Map<number, number>>();
      const failures: string[] = [];
      const t0 = performance.now();
      for (const request of requests) {
        const options: InjectOptions = { method: request.method, url: request.url, headers: request.headers };
        if (request.payload !== undefined) options.payload = request.payload;
        let timer: NodeJS.Timeout | undefined;
        const res = await Promise.race([
          api.app.inject(options),
          new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), REQUEST_TIMEOUT_MS))),
        ]).finally(() => clearTimeout(timer));
        if (res === undefined) {
          failures.push(`no answer in ${REQUEST_TIMEOUT_MS} ms: ${request.label}`);
          continue;
        }
        histogram.set(res.statusCode, (histogram.get(res.statusCode) ?? 0) + 1);
        const perOp = byOperation.get(request.op) ?? new Map<number, number>();
        perOp.set(res.statusCode, (perOp.get(res.statusCode) ?? 0) + 1);
        byOperation.set(request.op, perOp);
        if (res.statusCode >= 500) {
          failures.push(`${res.statusCode} ${res.body.slice(0, 300)} <- ${request.label}`);
          continue;
        }
        if (res.statusCode < 400 || request.method === 'HEAD') continue;
        let body: ErrorBody | undefined;
        try {
          body = JSON.parse(res.body) as ErrorBody;
        } catch (error) {
          failures.push(
            `${res.statusCode} body is not JSON (${(error as Error).message}): ${res.body.slice(0, 200)} <- ${request.label}`,
          );
          continue;
        }
        const shapeOk =
          typeof body === 'object' &&
          body !== null &&
          body.statusCode === res.statusCode &&
          typeof body.code === 'string' &&
          body.code.length > 0 &&
          typeof body.error === 'string' &&
          body.error.length > 0 &&
          typeof body.message === 'string' &&
          body.message.trim().length > 0 &&
          Object.keys(body).sort().join() === 'code,error,message,statusCode' &&
          /^application\/json/.test(String(res.headers['content-type']));
        if (!shapeOk)
          failures.push(`${res.statusCode} not the error shape: ${res.body.slice(0, 300)} <- ${request.label}`);
      }
      const seconds = (performance.now() - t0) / 1000;
      const summary = [...histogram.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}: ${n}`);
      t.diagnostic(`${requests.length} requests in ${seconds.toFixed(1)} s; statuses ${summary.join(', ')}`);
      for (const [op, statuses] of [...byOperation].sort())
        t.diagnostic(
          `  ${op}: ${[...statuses]
            .sort((a, b) => a[0] - b[0])
            .map(([s, n]) => `${s}×${n}`)
            .join(' ')}`,
        );
      assert.deepEqual(failures.slice(0, 25), [], `${failures.length} of ${requests.length} requests failed`);
      // not vacuous: the fuzz reached the handlers (successes) and the validators (400s), not only auth or 404s
      const count = (lo: number, hi: number) =>
        [...histogram].filter(([s]) => s >= lo && s < hi).reduce((n, [, c]) => n + c, 0);
      assert.ok(count(200, 300) >= RUNS / 20, `only ${count(200, 300)} requests succeeded`);
      assert.ok((histogram.get(400) ?? 0) >= RUNS / 5, `only ${histogram.get(400) ?? 0} requests were 400s`);
      assert.ok((histogram.get(413) ?? 0) > 0 && (histogram.get(401) ?? 0) > 0 && (histogram.get(404) ?? 0) > 0);
    },
  );
});
