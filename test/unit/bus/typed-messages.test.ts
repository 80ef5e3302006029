import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ValidationError } from '../../../shared/errors/index.js';
import {
  SqliteBus,
  dlqRecordV1,
  parseFailureCodes,
  parseRecord,
  produceTyped,
  toDlqMessage,
  toDlqRecord,
  type BusRecord,
  type TopicPayload,
} from '../../../shared/bus/index.js';

const fetched: TopicPayload<'tiles.fetched'> = {
  v: 1,
  id: '6f1c2a4e-8b7d-5c3e-9a1f-2b3c4d5e6f70',
  layer: 'MODIS_Terra_CorrectedReflectance_TrueColor',
  date: '2026-07-01',
  tms: '250m',
  z: 3,
  row: 2,
  col: 5,
  bbox: [-90, 0, -67.5, 22.5],
  blob_key: 'tiles/MODIS/2026-07-01/3/2/5.jpg',
  sha256: 'a'.repeat(64),
  bytes: 12345,
  content_type: 'image/jpeg',
  fetched_at: '2026-07-01T12:00:00.000Z',
};

const record = (value: Buffer | string, key: string | null = 'k'): BusRecord => ({
  topic: 'tiles.fetched',
  partition: 1,
  offset: '42',
  key,
  value: Buffer.isBuffer(value) ? value : Buffer.from(value),
  headers: {},
  timestamp: 0,
});

let dir: string;
let bus: SqliteBus;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bus-typed-'));
  bus = new SqliteBus({
    path: path.join(dir, 'bus.db'),
    defaultPartitions: 2,
    retention: { maxAgeMs: Infinity, maxBytes: Infinity },
  });
  await bus.open();
  await bus.ensureTopics([{ name: 'tiles.fetched' }, { name: 'tiles.dlq' }]);
});
after(async () => {
  await bus.close();
  await rm(dir, { recursive: true, force: true });
});

describe('typed messages', () => {
  it('produces valid payloads and parses them back', async () => {
    const [result] = await produceTyped(bus, 'tiles.fetched', [{ key: fetched.id, value: fetched }]);
    const c = bus.consumer({ groupId: 'typed', topics: ['tiles.fetched'] });
    const [got] = await c.poll({ maxMessages: 1, timeoutMs: 200 });
    assert.equal(got.offset, result.offset);
    assert.deepEqual(parseRecord('tiles.fetched', got), { ok: true, value: fetched });
    await c.close();
  });

  it('refuses a batch with one bad payload before writing any of it', async () => {
    const bad = { ...fetched, z: -1 };
    await assert.rejects(
      produceTyped(bus, 'tiles.fetched', [
        { key: 'good', value: fetched },
        { key: 'bad', value: bad },
      ]),
      (e: unknown) => e instanceof ValidationError && /message 1/.test(e.message) && /z/.test(e.message),
    );
    const c = bus.consumer({ groupId: 'typed-lag', topics: ['tiles.fetched'] });
    const total = (await c.lag()).reduce((n, l) => n + Number(l.end), 0);
    assert.equal(total, 1, 'only the message of the previous test is in the log');
    await assert.rejects(produceTyped(bus, 'no.such' as 'tiles.fetched', []), ValidationError);
    await c.close();
  });

  it('names why a record is unusable instead of throwing', () => {
    const cases: Array<[Buffer | string, string]> = [
      [Buffer.from([0xff, 0xfe, 0x00]), parseFailureCodes.badEncoding],
      ['{not json', parseFailureCodes.badJson],
      [JSON.stringify({ ...fetched, v: 2 }), parseFailureCodes.unsupportedVersion],
      [JSON.stringify({ ...fetched, v: undefined }), parseFailureCodes.unsupportedVersion],
      [JSON.stringify({ ...fetched, sha256: 'nope' }), parseFailureCodes.badSchema],
      ['', parseFailureCodes.badJson],
    ];
    for (const [value, code] of cases) {
      const parsed = parseRecord('tiles.fetched', record(value));
      assert.equal(parsed.ok, false);
      if (!parsed.ok) {
        assert.equal(parsed.code, code, String(value));
        assert.ok(parsed.reason.length > 10);
      }
    }
  });

  it('builds schema-valid DLQ records, keeping the original value verbatim', () => {
    const now = new Date('2026-07-02T00:00:00.000Z');
    const textual = toDlqRecord(record('{not json'), parseFailureCodes.badJson, 'value is not JSON', now);
    assert.deepEqual(dlqRecordV1.parse(textual), textual);
    assert.equal(textual.value, '{not json');
    assert.equal(textual.source_offset, '42');
    assert.equal(textual.failed_at, now.toISOString());
    const binary = toDlqRecord(record(Buffer.from([0xff, 0x00, 0x80])), parseFailureCodes.badEncoding, 'not UTF-8');
    assert.equal(Buffer.from(binary.value, 'base64').toString('hex'), 'ff0080');
    const message = toDlqMessage(record('x', null), 'BUS_BAD_JSON', 'r');
    assert.equal(message.key, 'tiles.fetched/1/42');
    assert.equal(message.value.key, null);
  });

  it('round-trips a DLQ message through the bus', async () => {
    const source = record('{broken');
    await produceTyped(bus, 'tiles.dlq', [toDlqMessage(source, parseFailureCodes.badJson, 'value is not JSON')]);
    const c = bus.consumer({ groupId: 'dlq-reader', topics: ['tiles.dlq'] });
    const [got] = await c.poll({ maxMessages: 1, timeoutMs: 200 });
    const parsed = parseRecord('tiles.dlq', got);
    assert.ok(parsed.ok);
    if (parsed.ok) assert.equal(parsed.value.value, '{broken');
    assert.equal(got.headers['x-dlq-code'], parseFailureCodes.badJson);
    await c.close();
  });
});
