import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  alertErrorCodes,
  MAX_REFERENCES,
  type AlertStore,
  type NewAlert,
  type NewAlertRule,
  type ScoredTile,
} from '../../shared/alerts/index.js';
import { AppError, ValidationError } from '../../shared/errors/index.js';
import { samplePayload } from '../support/vector-store-data.js';

/**
 * The behaviour every AlertStore backend must show (SqliteAlertStore runs it in sqlite-alert-store.test.ts).
 * `open` returns a fresh, empty store each time.
 */

const T0 = Date.parse('2026-07-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);
const iso = (ms: number) => at(ms).toISOString();
const sha = (n: number) => createHash('sha256').update(`tile-bytes-${n}`).digest('hex');

function newRule(over: Partial<NewAlertRule> = {}): NewAlertRule {
  return {
    name: 'smoke plume',
    references: [{ kind: 'image', label: 'plume.jpg', bytes: new Uint8Array([0xff, 0xd8, 0, 1, 2, 0]) }],
    threshold: 0.8,
    cooldownSeconds: 0,
    enabled: true,
    ...over,
  };
}

function newAlert(ruleId: string, n: number, alertedMs = 0, over: Partial<NewAlert> = {}): NewAlert {
  return {
    ruleId,
    tileId: `00000000-0000-5000-8000-${String(n).padStart(12, '0')}`,
    sha256: sha(n),
    model: 'ckpt-a',
    score: 0.9,
    payload: samplePayload({ sha256: sha(n) }),
    alertedAt: iso(alertedMs),
    ...over,
  };
}

async function expectCode(promise: Promise<unknown>, code: string, field?: RegExp): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AppError, `expected an AppError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (field) assert.match(error.message, field);
    return error;
  }
  return assert.fail(`expected ${code}, but the call succeeded`);
}

/** A ValidationError (any code: a bad bbox carries BAD_BBOX) whose message names the field. */
async function expectInvalid(promise: Promise<unknown>, field: RegExp): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ValidationError, `expected a ValidationError naming ${field}, got ${String(error)}`);
    assert.match(error.message, field);
    return;
  }
  assert.fail(`expected a ValidationError naming ${field}, but the call succeeded`);
}

export function alertStoreContract(name: string, open: () => Promise<AlertStore>): void {
  async function withStore(fn: (store: AlertStore) => Promise<void>): Promise<void> {
    const store = await open();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  describe(`AlertStore: ${name}`, () => {
    it('creates rules with ids, revision 1, references described and a secret; lists them oldest first', () =>
      withStore(async (store) => {
        const bytes = new Uint8Array(randomBytes(4096));
        const a = await store.createRule(
          newRule({
            name: 'a',
            references: [
              { kind: 'tile', tileId: '11111111-1111-5111-8111-111111111111', label: 'tile 1111', bytes },
              { kind: 'image', label: 'b.png', bytes: new Uint8Array([1]) },
            ],
            filter: { bbox: [170, -10, -170, 10], layers: ['L1'] },
            webhookUrl: 'https://hooks.example.com/x?y=1',
            cooldownSeconds: 3600,
          }),
          at(0),
        );
        assert.match(a.rule.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.match(a.webhookSecret, /^[A-Za-z0-9_-]{43}$/);
        assert.equal(a.rule.revision, 1);
        assert.equal(a.rule.createdAt, iso(0));
        assert.equal(a.rule.updatedAt, iso(0));
        assert.deepEqual(a.rule.references, [
          {
            kind: 'tile',
            tileId: '11111111-1111-5111-8111-111111111111',
            label: 'tile 1111',
            sha256: createHash('sha256').update(bytes).digest('hex'),
            bytes: 4096,
          },
          { kind: 'image', label: 'b.png', sha256: createHash('sha256').update('\x01').digest('hex'), bytes: 1 },
        ]);
        assert.deepEqual(a.rule.filter, { bbox: [170, -10, -170, 10], layers: ['L1'] });
        assert.equal(a.rule.webhookUrl, 'https://hooks.example.com/x?y=1');
        assert.equal(a.rule.cooldownSeconds, 3600);
        const b = await store.createRule(newRule({ name: 'b', filter: {}, enabled: false }), at(0));
        const c = await store.createRule(newRule({ name: 'c' }), at(1000));
        assert.equal(b.rule.filter, null, 'an empty filter is kept as null (watches everything)');
        assert.equal(b.rule.webhookUrl, null);
        assert.equal(b.rule.enabled, false);
        assert.notEqual(a.webhookSecret, b.webhookSecret);
        assert.deepEqual(await store.getRule(a.rule.id), a.rule);
        assert.deepEqual(
          (await store.listRules()).map((r) => r.name),
          ['a', 'b', 'c'],
        );
        assert.deepEqual((await store.listRules())[2], c.rule);
        assert.equal(await store.webhookSecret(a.rule.id), a.webhookSecret);
        assert.equal(await store.getRule('99999999-9999-4999-8999-999999999999'), undefined);
        assert.equal(await store.webhookSecret('nope'), undefined);
      }));

    it('round-trips reference image bytes in order', () =>
      withStore(async (store) => {
        const images = [new Uint8Array(randomBytes(70_000)), new Uint8Array([0, 0, 0]), new Uint8Array(randomBytes(5))];
        const { rule } = await store.createRule(
          newRule({ references: images.map((bytes, i) => ({ kind: 'image', label: `r${i}`, bytes })) }),
          at(0),
        );
        const back = await store.referenceImages(rule.id);
        assert.deepEqual(
          back.map((r) => r.label),
          ['r0', 'r1', 'r2'],
        );
        back.forEach((r, i) => assert.deepEqual(Buffer.from(r.bytes), Buffer.from(images[i])));
        assert.deepEqual(await store.referenceImages('missing'), []);
      }));

    it('updates bump the revision, change only what the patch names, and replace references', () =>
      withStore(async (store) => {
        const { rule, webhookSecret } = await store.createRule(
          newRule({ filter: { layers: ['L1'] }, webhookUrl: 'http://example.com/h' }),
          at(0),
        );
        const renamed = await store.updateRule(rule.id, { name: 'renamed', threshold: -0.25 }, at(5000));
        assert.ok(renamed);
        assert.equal(renamed.revision, 2);
        assert.equal(renamed.name, 'renamed');
        assert.equal(renamed.threshold, -0.25);
        assert.deepEqual(renamed.filter, { layers: ['L1'] });
        assert.equal(renamed.webhookUrl, 'http://example.com/h');
        assert.equal(renamed.createdAt, iso(0));
        assert.equal(renamed.updatedAt, iso(5000));
        const cleared = await store.updateRule(
          rule.id,
          {
            filter: null,
            webhookUrl: null,
            enabled: false,
            cooldownSeconds: 10,
            references: [{ kind: 'image', label: 'new.png', bytes: new Uint8Array([9, 9]) }],
          },
          at(6000),
        );
        assert.ok(cleared);
        assert.equal(cleared.revision, 3);
        assert.equal(cleared.filter, null);
        assert.equal(cleared.webhookUrl, null);
        assert.equal(cleared.enabled, false);
        assert.equal(cleared.cooldownSeconds, 10);
        assert.deepEqual(
          cleared.references.map((r) => r.label),
          ['new.png'],
        );
        assert.deepEqual(
          (await store.referenceImages(rule.id)).map((r) => [...r.bytes]),
          [[9, 9]],
        );
        assert.deepEqual(await store.getRule(rule.id), cleared);
        assert.equal(await store.webhookSecret(rule.id), webhookSecret, 'the secret survives updates');
        assert.equal(await store.updateRule('no-such-rule', { name: 'x' }, at(0)), undefined);
      }));

    it('keeps reference vectors per (model, revision) and drops them when the rule changes', () =>
      withStore(async (store) => {
        const { rule } = await store.createRule(
          newRule({
            references: [
              { kind: 'image', label: 'a', bytes: new Uint8Array([1]) },
              { kind: 'image', label: 'b', bytes: new Uint8Array([2]) },
            ],
          }),
          at(0),
        );
        const vectors = [new Float32Array([0.1, -0.5, 1e-30, 0.75]), new Float32Array([1, 0, 0, -1])];
        assert.equal(await store.getReferenceVectors(rule.id, 'm1', 1), undefined);
        await store.putReferenceVectors(rule.id, 'm1', 1, vectors);
        const back = await store.getReferenceVectors(rule.id, 'm1', 1);
        assert.ok(back);
        assert.equal(back.length, 2);
        back.forEach((v, i) => {
          assert.ok(v instanceof Float32Array);
          assert.deepEqual([...v], [...vectors[i]]);
        });
        assert.equal(await store.getReferenceVectors(rule.id, 'm2', 1), undefined, 'another model');
        assert.equal(await store.getReferenceVectors(rule.id, 'm1', 2), undefined, 'another revision');
        await store.putReferenceVectors(rule.id, 'm2', 1, [new Float32Array([1, 2]), new Float32Array([3, 4])]);
        assert.deepEqual([...((await store.getReferenceVectors(rule.id, 'm2', 1)) ?? [])[1]], [3, 4]);
        await expectInvalid(store.putReferenceVectors(rule.id, 'm1', 1, [vectors[0]]), /vectors/);

        const updated = await store.updateRule(rule.id, { threshold: 0.5 }, at(1000));
        assert.equal(updated?.revision, 2);
        assert.equal(await store.getReferenceVectors(rule.id, 'm1', 2), undefined, 'the new revision has none yet');
        // until the new revision has vectors, the previous ones stay readable (an update may copy them)
        const previous = await store.getReferenceVectors(rule.id, 'm1', 1);
        assert.deepEqual(
          previous?.map((v) => [...v]),
          vectors.map((v) => [...v]),
        );
        await store.putReferenceVectors(rule.id, 'm1', 2, previous ?? []);
        assert.equal((await store.getReferenceVectors(rule.id, 'm1', 2))?.length, 2);
        assert.equal(await store.getReferenceVectors(rule.id, 'm1', 1), undefined, 'older revisions are deleted');
        assert.equal(await store.getReferenceVectors(rule.id, 'm2', 1), undefined, 'of every model');
        await store.putReferenceVectors(rule.id, 'm1', 1, vectors);
        assert.equal(await store.getReferenceVectors(rule.id, 'm1', 1), undefined, 'a stale revision is not kept');
        assert.equal((await store.getReferenceVectors(rule.id, 'm1', 2))?.length, 2);
        await store.putReferenceVectors('no-such-rule', 'm1', 1, vectors);
        assert.equal(await store.getReferenceVectors('no-such-rule', 'm1', 1), undefined);
      }));

    it('remembers scored tiles by (tile, bytes) under any model', () =>
      withStore(async (store) => {
        const tile = '22222222-2222-5222-8222-222222222222';
        assert.equal(await store.wasScored(tile, sha(1)), false);
        await store.markScored(tile, sha(1), 'm1', at(0));
        assert.equal(await store.wasScored(tile, sha(1)), true);
        assert.equal(await store.wasScored(tile, sha(2)), false, 'new bytes for the same tile are new imagery');
        assert.equal(await store.wasScored('33333333-3333-5333-8333-333333333333', sha(1)), false);
        await store.markScored(tile, sha(1), 'm2', at(1000));
        assert.equal(await store.wasScored(tile, sha(1)), true);
      }));

    it('marks a batch of tiles scored at once, or none of it when an item is bad', () =>
      withStore(async (store) => {
        const tile = (n: number) => `44444444-4444-5444-8444-${String(n).padStart(12, '0')}`;
        const items = [1, 2, 3].map((n) => ({ tileId: tile(n), sha256: sha(n), model: 'm1' }));
        for (const item of items) assert.equal(await store.wasScored(item.tileId, item.sha256), false);
        await store.markScoredMany(items, at(0));
        for (const item of items) assert.equal(await store.wasScored(item.tileId, item.sha256), true);
        assert.equal(await store.wasScored(tile(1), sha(2)), false, 'by (tile, bytes): new bytes are new imagery');
        await store.markScoredMany([], at(0));
        // already scored (another model, a redelivery) and new, together; one pair twice in a batch is fine
        const again = [items[0], { tileId: tile(4), sha256: sha(4), model: 'm2' }, { ...items[0], model: 'm2' }];
        await store.markScoredMany(again, at(1000));
        assert.equal(await store.wasScored(tile(4), sha(4)), true);
        assert.equal(await store.wasScored(tile(1), sha(1)), true);

        // one bad item (the last) refuses the whole batch, naming the item and the field: the good ones stay unmarked
        const good = [5, 6].map((n) => ({ tileId: tile(n), sha256: sha(n), model: 'm1' }));
        const bad: Array<[unknown, RegExp]> = [
          [{ tileId: '', sha256: sha(7), model: 'm1' }, /items\[2\]\.tileId/],
          [{ tileId: tile(7), sha256: 'not-a-sha', model: 'm1' }, /items\[2\]\.sha256/],
          [{ tileId: tile(7), sha256: sha(7) }, /items\[2\]\.model/],
          [null, /items\[2\]/],
        ];
        for (const [item, field] of bad)
          await expectInvalid(store.markScoredMany([...good, item] as ScoredTile[], at(0)), field);
        await expectInvalid(store.markScoredMany('tiles' as unknown as ScoredTile[], at(0)), /items/);
        await expectInvalid(store.markScoredMany(good, new Date(Number.NaN)), /now/);
        for (const item of good) assert.equal(await store.wasScored(item.tileId, item.sha256), false, 'nothing kept');
      }));

    it('records alerts once per (rule, tile, bytes) and reports unknown rules', () =>
      withStore(async (store) => {
        const { rule } = await store.createRule(newRule({ cooldownSeconds: 0 }), at(0));
        const first = await store.recordAlert(newAlert(rule.id, 1, 0));
        assert.ok(first.recorded);
        assert.deepEqual(first.alert, { id: first.alert.id, ...newAlert(rule.id, 1, 0) });
        assert.match(first.alert.id, /^[1-9]\d*$/);
        // a repeat, even with another score, time and model, answers with the alert recorded the first time
        const repeat = await store.recordAlert(newAlert(rule.id, 1, 5000, { score: 0.99, model: 'ckpt-b' }));
        assert.deepEqual(repeat, { recorded: false, reason: 'duplicate', alert: first.alert });
        const newBytes = await store.recordAlert(newAlert(rule.id, 1, 6000, { sha256: sha(99) }));
        assert.ok(newBytes.recorded, 'the same tile with new bytes alerts again');
        assert.ok(Number(newBytes.alert.id) > Number(first.alert.id));
        const other = await store.createRule(newRule(), at(0));
        assert.ok((await store.recordAlert(newAlert(other.rule.id, 1, 0))).recorded, 'another rule, same tile');
        assert.deepEqual(await store.recordAlert(newAlert('no-such-rule', 2, 0)), {
          recorded: false,
          reason: 'unknown-rule',
        });
        assert.deepEqual(await store.getAlert(first.alert.id), first.alert);
      }));

    it('honours the cooldown: silent strictly inside it, alerting again exactly at its end', () =>
      withStore(async (store) => {
        const { rule } = await store.createRule(newRule({ cooldownSeconds: 60 }), at(0));
        assert.ok((await store.recordAlert(newAlert(rule.id, 1, 0))).recorded);
        assert.deepEqual(await store.recordAlert(newAlert(rule.id, 2, 59_999)), {
          recorded: false,
          reason: 'cooldown',
        });
        assert.deepEqual(await store.recordAlert(newAlert(rule.id, 3, 30_000)), {
          recorded: false,
          reason: 'cooldown',
        });
        const atEnd = await store.recordAlert(newAlert(rule.id, 4, 60_000));
        assert.ok(atEnd.recorded, 'exactly cooldownSeconds after the last alert');
        assert.deepEqual(await store.recordAlert(newAlert(rule.id, 5, 119_999)), {
          recorded: false,
          reason: 'cooldown',
        });
        // the duplicate check comes first: a repeat inside the cooldown is a duplicate, with the alert it repeats
        assert.deepEqual(await store.recordAlert(newAlert(rule.id, 4, 61_000)), {
          recorded: false,
          reason: 'duplicate',
          alert: atEnd.alert,
        });
        const other = await store.createRule(newRule({ cooldownSeconds: 60 }), at(0));
        assert.ok((await store.recordAlert(newAlert(other.rule.id, 6, 1000))).recorded, 'cooldowns are per rule');
      }));

    it('queues a pending delivery with each alert of a rule with a webhook, and only then', () =>
      withStore(async (store) => {
        const hooked = await store.createRule(newRule({ webhookUrl: 'https://hooks.example.com/a' }), at(0));
        const quiet = await store.createRule(newRule(), at(0));
        const a = await store.recordAlert(newAlert(hooked.rule.id, 1, 1000));
        const b = await store.recordAlert(newAlert(quiet.rule.id, 1, 1000));
        assert.ok(a.recorded && b.recorded);
        assert.deepEqual(await store.listDeliveries({ ruleId: quiet.rule.id, limit: 10 }), []);
        assert.deepEqual(await store.listDeliveries({ alertId: b.alert.id, limit: 10 }), []);
        const [delivery, ...rest] = await store.listDeliveries({ alertId: a.alert.id, limit: 10 });
        assert.deepEqual(rest, []);
        assert.equal(delivery.alertId, a.alert.id);
        assert.equal(delivery.ruleId, hooked.rule.id);
        assert.equal(delivery.url, 'https://hooks.example.com/a');
        assert.equal(delivery.state, 'pending');
        assert.deepEqual(delivery.attempts, []);
        assert.equal(delivery.nextAttemptAt, iso(1000));
        assert.ok(delivery.id.length > 0);
        assert.deepEqual(await store.listDeliveries({ ruleId: hooked.rule.id, limit: 10 }), [delivery]);
        assert.deepEqual(await store.listDeliveries({ limit: 10 }), [delivery]);
        // a duplicate or a silenced alert queues nothing
        await store.recordAlert(newAlert(hooked.rule.id, 1, 2000));
        assert.equal((await store.listDeliveries({ limit: 10 })).length, 1);
      }));

    it('pages the history by id, oldest first, per rule or all', () =>
      withStore(async (store) => {
        const r1 = await store.createRule(newRule(), at(0));
        const r2 = await store.createRule(newRule(), at(0));
        const ids: string[] = [];
        for (let n = 1; n <= 5; n++) {
          const result = await store.recordAlert(newAlert(n % 2 === 1 ? r1.rule.id : r2.rule.id, n, n * 1000));
          assert.ok(result.recorded);
          ids.push(result.alert.id);
        }
        const pages: string[][] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store.listAlerts({ after, limit: 2 });
          if (page.length === 0) break;
          pages.push(page.map((a) => a.id));
          after = page[page.length - 1].id;
        }
        assert.deepEqual(pages, [ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)]);
        const ofR1 = await store.listAlerts({ ruleId: r1.rule.id, limit: 1000 });
        assert.deepEqual(
          ofR1.map((a) => a.tileId),
          [1, 3, 5].map((n) => newAlert('x', n).tileId),
        );
        assert.deepEqual(
          (await store.listAlerts({ ruleId: r1.rule.id, after: ids[0], limit: 1 })).map((a) => a.id),
          [ids[2]],
        );
        assert.deepEqual(await store.listAlerts({ after: ids[4], limit: 10 }), []);
        assert.deepEqual(await store.listAlerts({ after: '0', limit: 1 }), [await store.getAlert(ids[0])]);
        assert.equal(await store.getAlert('987654321'), undefined);
        assert.equal(await store.getAlert('not-an-id'), undefined);
        assert.equal(await store.getAlert('0'), undefined);
      }));

    it('hands out due deliveries, claimed, and moves them through pending → delivered / failed', () =>
      withStore(async (store) => {
        const { rule } = await store.createRule(newRule({ webhookUrl: 'https://hooks.example.com/a' }), at(0));
        const a = await store.recordAlert(newAlert(rule.id, 1, 1000));
        const b = await store.recordAlert(newAlert(rule.id, 2, 2000));
        assert.ok(a.recorded && b.recorded);
        assert.deepEqual(await store.dueDeliveries(at(999), 10), [], 'nothing is due before its alert');
        const due = await store.dueDeliveries(at(2000), 10);
        assert.deepEqual(
          due.map((d) => d.alertId),
          [a.alert.id, b.alert.id],
        );
        assert.deepEqual(await store.dueDeliveries(at(2000), 10), [], 'claimed deliveries are not handed out twice');
        const [da, db] = due;

        await store.recordAttempt(
          da.id,
          { at: iso(2100), status: 503, durationMs: 12.5 },
          { state: 'pending', nextAttemptAt: at(10_000) },
        );
        await store.recordAttempt(db.id, { at: iso(2200), status: 204, durationMs: 3 }, { state: 'delivered' });
        assert.deepEqual(await store.dueDeliveries(at(9999), 10), []);
        const retry = await store.dueDeliveries(at(10_000), 10);
        assert.deepEqual(
          retry.map((d) => d.id),
          [da.id],
        );
        assert.equal(retry[0].nextAttemptAt, iso(10_000));
        assert.deepEqual(retry[0].attempts, [{ at: iso(2100), status: 503, durationMs: 12.5 }]);
        await store.recordAttempt(
          da.id,
          { at: iso(10_100), error: 'ECONNRESET: socket hang up', durationMs: 40 },
          { state: 'failed' },
        );
        const [fa] = await store.listDeliveries({ alertId: a.alert.id, limit: 10 });
        assert.equal(fa.state, 'failed');
        assert.equal(fa.nextAttemptAt, null);
        assert.deepEqual(fa.attempts, [
          { at: iso(2100), status: 503, durationMs: 12.5 },
          { at: iso(10_100), error: 'ECONNRESET: socket hang up', durationMs: 40 },
        ]);
        const [fb] = await store.listDeliveries({ alertId: b.alert.id, limit: 10 });
        assert.equal(fb.state, 'delivered');
        assert.equal(fb.nextAttemptAt, null);
        assert.deepEqual(fb.attempts, [{ at: iso(2200), status: 204, durationMs: 3 }]);
        assert.deepEqual(await store.dueDeliveries(at(1e9), 10), [], 'finished deliveries are never due');
        // an attempt that ends after the delivery finished is logged, the state stays
        await store.recordAttempt(
          fb.id,
          { at: iso(3000), status: 500, durationMs: 1 },
          { state: 'pending', nextAttemptAt: at(0) },
        );
        const [again] = await store.listDeliveries({ alertId: b.alert.id, limit: 10 });
        assert.equal(again.state, 'delivered');
        assert.equal(again.attempts.length, 2);
        await expectCode(
          store.recordAttempt('no-such-delivery', { at: iso(0), durationMs: 1 }, { state: 'failed' }),
          alertErrorCodes.unknownDelivery,
        );
      }));

    it('limits a due batch and deletes a rule without losing its history', () =>
      withStore(async (store) => {
        const { rule } = await store.createRule(newRule({ webhookUrl: 'https://hooks.example.com/a' }), at(0));
        const alerts = [];
        for (let n = 1; n <= 3; n++) alerts.push(await store.recordAlert(newAlert(rule.id, n, n)));
        await store.putReferenceVectors(rule.id, 'm1', 1, [new Float32Array([1, 0])]);
        assert.equal((await store.dueDeliveries(at(10), 2)).length, 2);
        assert.equal(await store.deleteRule(rule.id), true);
        assert.equal(await store.deleteRule(rule.id), false);
        assert.equal(await store.getRule(rule.id), undefined);
        assert.deepEqual(await store.listRules(), []);
        assert.deepEqual(await store.referenceImages(rule.id), []);
        assert.equal(await store.webhookSecret(rule.id), undefined);
        assert.equal(await store.getReferenceVectors(rule.id, 'm1', 1), undefined);
        assert.equal((await store.listAlerts({ ruleId: rule.id, limit: 10 })).length, 3, 'the history stays');
        assert.deepEqual(await store.dueDeliveries(at(1e12), 10), [], 'nothing is delivered for a deleted rule');
        const states = (await store.listDeliveries({ ruleId: rule.id, limit: 10 })).map((d) => d.state);
        assert.deepEqual(states, ['failed', 'failed', 'failed']);
        assert.deepEqual(await store.recordAlert(newAlert(rule.id, 9, 100)), {
          recorded: false,
          reason: 'unknown-rule',
        });
      }));

    it('refuses bad arguments with a ValidationError naming the field, and keeps nothing', () =>
      withStore(async (store) => {
        const ref = { kind: 'image' as const, label: 'x', bytes: new Uint8Array([1]) };
        const bad: Array<[Partial<NewAlertRule> | Record<string, unknown>, RegExp]> = [
          [{ name: '' }, /name/],
          [{ name: '   ' }, /name/],
          [{ name: 'x'.repeat(201) }, /name/],
          [{ references: [] }, /references/],
          [{ references: new Array(MAX_REFERENCES + 1).fill(ref) }, /references/],
          [{ references: [{ ...ref, bytes: new Uint8Array(0) }] }, /references\[0\]\.bytes/],
          [{ references: [{ ...ref, label: '' }] }, /references\[0\]\.label/],
          [{ references: [{ kind: 'tile', label: 'x', bytes: new Uint8Array([1]) }] }, /references\[0\]\.tileId/],
          [{ references: [{ ...ref, kind: 'video' }] }, /references\[0\]\.kind/],
          [{ threshold: 1.0001 }, /threshold/],
          [{ threshold: -1.5 }, /threshold/],
          [{ threshold: Number.NaN }, /threshold/],
          [{ threshold: Number.POSITIVE_INFINITY }, /threshold/],
          [{ cooldownSeconds: -1 }, /cooldownSeconds/],
          [{ cooldownSeconds: 1.5 }, /cooldownSeconds/],
          [{ webhookUrl: 'ftp://example.com/x' }, /webhookUrl/],
          [{ webhookUrl: 'not a url' }, /webhookUrl/],
          [{ webhookUrl: 'javascript:alert(1)' }, /webhookUrl/],
          [{ enabled: 'yes' }, /enabled/],
          [{ filter: { bbox: [0, 10, 5, 5] } }, /filter\.bbox/],
          [{ filter: { bbox: [0, 0, 200, 5] } }, /filter\.bbox/],
          [{ filter: { near: { lon: 0, lat: 0, radiusKm: 0 } } }, /filter\.near\.radiusKm/],
          [{ filter: { layers: [] } }, /filter\.layers/],
          [{ filter: { levels: [-1] } }, /filter\.levels\[0\]/],
          [{ filter: { polygon: [] } }, /filter/],
        ];
        for (const [over, field] of bad) {
          await expectInvalid(store.createRule(newRule(over as Partial<NewAlertRule>), at(0)), field);
        }
        await expectInvalid(store.createRule(newRule(), new Date(Number.NaN)), /now/);
        assert.deepEqual(await store.listRules(), [], 'no bad rule was kept');

        const { rule } = await store.createRule(newRule(), at(0));
        await expectInvalid(store.updateRule(rule.id, { threshold: 2 }, at(1)), /threshold/);
        await expectInvalid(store.updateRule(rule.id, { name: '' }, at(1)), /name/);
        await expectInvalid(store.updateRule(rule.id, { colour: 'red' } as never, at(1)), /colour/);
        assert.equal((await store.getRule(rule.id))?.revision, 1, 'a refused update changes nothing');

        const alert = newAlert(rule.id, 1);
        const badAlerts: Array<[Partial<NewAlert> | Record<string, unknown>, RegExp]> = [
          [{ tileId: '' }, /tileId/],
          [{ sha256: 'ABC' }, /sha256/],
          [{ model: '' }, /model/],
          [{ score: Number.NaN }, /score/],
          [{ alertedAt: 'yesterday' }, /alertedAt/],
          [{ payload: { ...alert.payload, z: -1 } }, /payload\.z/],
          [{ payload: { ...alert.payload, extra: 1 } }, /payload/],
        ];
        for (const [over, field] of badAlerts) {
          await expectInvalid(store.recordAlert({ ...alert, ...over } as NewAlert), field);
        }
        assert.deepEqual(await store.listAlerts({ limit: 10 }), [], 'no bad alert was kept');

        for (const limit of [0, 1001, 1.5, Number.NaN]) {
          await expectInvalid(store.listAlerts({ limit }), /limit/);
          await expectInvalid(store.listDeliveries({ limit }), /limit/);
          await expectInvalid(store.dueDeliveries(at(0), limit), /limit/);
        }
        await expectInvalid(store.listAlerts({ after: 'abc', limit: 1 }), /after/);
        await expectInvalid(store.listAlerts({ after: '-1', limit: 1 }), /after/);
        await expectInvalid(store.listDeliveries({ alertId: 'x', limit: 1 }), /alertId/);
        await expectInvalid(store.putReferenceVectors(rule.id, 'm', 1, []), /vectors/);
        await expectInvalid(
          store.putReferenceVectors(rule.id, 'm', 1, [new Float32Array([Number.NaN])]),
          /vectors\[0\]/,
        );
        await expectInvalid(store.putReferenceVectors(rule.id, 'm', 0, [new Float32Array([1])]), /revision/);
        await expectInvalid(store.getReferenceVectors(rule.id, '', 1), /model/);
        await expectInvalid(store.wasScored('t', 'not-a-sha'), /sha256/);
        await expectInvalid(store.markScored('', sha(1), 'm', at(0)), /tileId/);
        await expectInvalid(
          store.recordAttempt('d', { at: iso(0), durationMs: -1 }, { state: 'failed' }),
          /durationMs/,
        );
        await expectInvalid(
          store.recordAttempt('d', { at: iso(0), status: 42, durationMs: 1 }, { state: 'failed' }),
          /status/,
        );
        await expectInvalid(
          store.recordAttempt(
            'd',
            { at: iso(0), durationMs: 1 },
            { state: 'pending', nextAttemptAt: new Date(Number.NaN) },
          ),
          /nextAttemptAt/,
        );
      }));

    it('refuses every call once closed (ALERTS_CLOSED); closing twice is fine', async () => {
      const store = await open();
      const { rule } = await store.createRule(newRule(), at(0));
      await store.close();
      await store.close();
      const calls: Array<() => Promise<unknown>> = [
        () => store.createRule(newRule(), at(0)),
        () => store.getRule(rule.id),
        () => store.listRules(),
        () => store.updateRule(rule.id, { name: 'x' }, at(0)),
        () => store.deleteRule(rule.id),
        () => store.referenceImages(rule.id),
        () => store.webhookSecret(rule.id),
        () => store.getReferenceVectors(rule.id, 'm', 1),
        () => store.putReferenceVectors(rule.id, 'm', 1, [new Float32Array([1])]),
        () => store.wasScored('t', sha(1)),
        () => store.markScored('t', sha(1), 'm', at(0)),
        () => store.markScoredMany([{ tileId: 't', sha256: sha(1), model: 'm' }], at(0)),
        () => store.markScoredMany([], at(0)),
        () => store.recordAlert(newAlert(rule.id, 1)),
        () => store.listAlerts({ limit: 1 }),
        () => store.getAlert('1'),
        () => store.dueDeliveries(at(0), 1),
        () => store.recordAttempt('d', { at: iso(0), durationMs: 1 }, { state: 'failed' }),
        () => store.listDeliveries({ limit: 1 }),
      ];
      for (const call of calls) await expectCode(call(), alertErrorCodes.closed);
    });
  });
}
