import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alertErrorCodes, alertError, type AlertStore } from '../../../shared/alerts/index.js';
import type { BusRecord } from '../../../shared/bus/index.js';
import { AppError } from '../../../shared/errors/index.js';
import { RuleBook, createAlerter, processBatch, type BatchDeps } from '../../../services/alerter/index.js';
import { NOW, atCosine, embedded, randomUnit, seeded } from '../../support/alerter-fixtures.js';
import { openHarness, type Harness } from './harness.js';

/** the real store, with `faults[method]` run before each call of that method (it throws to inject a failure) */
function withFaults(store: AlertStore, faults: Partial<Record<keyof AlertStore, () => void>>): AlertStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        faults[prop as keyof AlertStore]?.();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

const crash = () => {
  throw new AppError('TEST_CRASH', 'the process died here', { retriable: false });
};

async function setUp(h: Harness) {
  const random = seeded(11);
  const ref = randomUnit(random);
  const { rule } = await h.rule([ref], { threshold: 0.9 });
  const tiles = [1, 2].map((i) => embedded({ i, vector: atCosine(ref, 0.95, random) }));
  await h.produce(tiles);
  const consumer = h.bus.consumer({ groupId: 'alerters', topics: ['tiles.embedded'] });
  const records: BusRecord[] = [];
  while (records.length < 2) records.push(...(await consumer.poll({ maxMessages: 10, timeoutMs: 200 })));
  const stopping = new AbortController();
  const deps = (store: AlertStore): BatchDeps => ({
    bus: h.bus,
    store,
    rules: new RuleBook({ store, embedder: h.embedder, log: h.log }, { refreshMs: 0 }),
    log: h.log,
    metrics: h.metrics,
    now: () => NOW,
    pause: {
      initialBackoffMs: 5,
      maxBackoffMs: 20,
      log: h.log,
      service: 'alerter',
      onPause: (code) => h.metrics.pauses.inc({ code }),
      stopping: stopping.signal,
    },
  });
  const lag = async () => (await consumer.lag()).reduce((n, p) => n + p.lag, 0);
  return { rule, tiles, consumer, records, deps, lag, stopping };
}

describe('alerter: a batch processed twice (crash, redelivery) alerts exactly once', () => {
  it('a crash after recording, before producing: the redelivery produces the recorded alerts, records nothing new', async () => {
    const h = await openHarness('crash-after-record');
    try {
      const { rule, tiles, consumer, records, deps, lag } = await setUp(h);
      const bus = new Proxy(h.bus, {
        get(target, prop, receiver) {
          if (prop === 'produce')
            return (topic: string, messages: Parameters<typeof target.produce>[1]) => {
              if (topic === 'alerts') crash();
              return target.produce(topic, messages);
            };
          const value: unknown = Reflect.get(target, prop, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      await assert.rejects(
        processBatch(records, consumer, { ...deps(h.store), bus }, { maxAgeDays: 4 }),
        /the process died here/,
      );
      assert.equal((await h.store.listAlerts({ limit: 10 })).length, 2, 'both tiles recorded before the crash');
      assert.deepEqual(await h.topic('alerts'), [], 'the crash came before the alerts were produced');
      assert.equal(await lag(), 2, 'nothing committed');

      const summary = await processBatch(records, consumer, deps(h.store), { maxAgeDays: 4 });
      assert.equal(summary.alerts, 0, 'nothing new recorded by the redelivery');
      const history = await h.store.listAlerts({ ruleId: rule.id, limit: 10 });
      assert.deepEqual(
        history.map((a) => a.tileId),
        tiles.map((t) => t.id),
        'one alert per tile',
      );
      const alerts = await h.topic('alerts');
      assert.deepEqual(
        alerts.map((a) => a.id),
        history.map((a) => a.id),
        'no alert lost: the redelivery produced the recorded alerts, with their ids',
      );
      assert.equal(await lag(), 0);
      assert.match(await h.metricsRegistry.metrics(), /gibs_embed_alerter_suppressed_total\{reason="duplicate"\} 2/);

      // a third delivery of the same batch: every tile scored, nothing produced
      await processBatch(records, consumer, deps(h.store), { maxAgeDays: 4 });
      assert.equal((await h.topic('alerts')).length, 2);
      assert.equal((await h.store.listAlerts({ limit: 10 })).length, 2);
      await consumer.close();
    } finally {
      await h.close();
    }
  });

  it('a crash after producing, before marking scored: one alert per tile in the history, the same ids again on the bus', async () => {
    const h = await openHarness('crash-after-produce');
    try {
      const { consumer, records, deps, lag } = await setUp(h);
      await assert.rejects(
        processBatch(records, consumer, deps(withFaults(h.store, { markScoredMany: crash })), { maxAgeDays: 4 }),
        /the process died here/,
      );
      const first = (await h.topic('alerts')).map((a) => a.id);
      assert.equal(first.length, 2);
      await processBatch(records, consumer, deps(h.store), { maxAgeDays: 4 });
      const history = await h.store.listAlerts({ limit: 10 });
      assert.deepEqual(history.map((a) => a.id).sort(), [...first].sort(), 'nothing recorded twice');
      // the alerts topic is at-least-once like every topic: a repeat carries the same alert id
      const ids = (await h.topic('alerts')).map((a) => a.id);
      assert.deepEqual([...new Set(ids)].sort(), [...first].sort());
      assert.equal(await lag(), 0);
      await consumer.close();
    } finally {
      await h.close();
    }
  });

  it('a crash before recording: the redelivery records the alert once and produces it', async () => {
    const h = await openHarness('crash-before-record');
    try {
      const { consumer, records, deps, lag } = await setUp(h);
      await assert.rejects(
        processBatch(records, consumer, deps(withFaults(h.store, { recordAlert: crash })), { maxAgeDays: 4 }),
        /the process died here/,
      );
      assert.equal((await h.store.listAlerts({ limit: 10 })).length, 0);
      assert.equal((await h.topic('alerts')).length, 0);
      await processBatch(records, consumer, deps(h.store), { maxAgeDays: 4 });
      const history = await h.store.listAlerts({ limit: 10 });
      assert.equal(history.length, 2, 'one alert per tile');
      assert.deepEqual(
        (await h.topic('alerts')).map((a) => a.id),
        history.map((a) => a.id),
      );
      assert.equal(await lag(), 0);
      await consumer.close();
    } finally {
      await h.close();
    }
  });

  it('pauses and retries while the store is busy, and loses nothing', async () => {
    const h = await openHarness('busy');
    try {
      const { consumer, records, deps, lag } = await setUp(h);
      let busy = 3;
      const store = withFaults(h.store, {
        recordAlert: () => {
          if (busy-- > 0) throw alertError(alertErrorCodes.busy, 'database is locked', { retriable: true });
        },
      });
      await processBatch(records, consumer, deps(store), { maxAgeDays: 4 });
      assert.equal((await h.store.listAlerts({ limit: 10 })).length, 2);
      assert.equal((await h.topic('alerts')).length, 2);
      assert.equal(await lag(), 0);
      assert.match(await h.metricsRegistry.metrics(), /gibs_embed_alerter_pauses_total\{code="ALERTS_BUSY"\} 3/);
      await consumer.close();
    } finally {
      await h.close();
    }
  });

  it('stops during an outage without committing, and a later alerter finishes the batch', async () => {
    const h = await openHarness('outage-stop');
    try {
      const random = seeded(12);
      const ref = randomUnit(random);
      await h.rule([ref], { threshold: 0.9 });
      await h.produce([embedded({ i: 1, vector: atCosine(ref, 0.95, random) })]);
      let attempts = 0;
      const down = withFaults(h.store, {
        markScoredMany: () => {
          attempts++;
          throw alertError(alertErrorCodes.io, 'disk full', { retriable: true });
        },
      });
      const alerter = createAlerter(
        { bus: h.bus, store: down, embedder: h.embedder, log: h.log, now: () => NOW },
        {
          groupId: 'alerters',
          maxAgeDays: 4,
          idleWaitMs: 20,
          rulesRefreshMs: 0,
          initialBackoffMs: 5,
          maxBackoffMs: 20,
        },
      );
      alerter.start();
      while (attempts < 3) await new Promise((resolve) => setTimeout(resolve, 10));
      await alerter.stop();
      await alerter.done;
      assert.ok(h.logs.some((r) => r.msg === 'alerter: stopped during an outage; the batch will be redone'));
      await h.drain();
      assert.equal((await h.store.listAlerts({ limit: 10 })).length, 1, 'recorded once across both alerters');
      assert.equal(new Set((await h.topic('alerts')).map((a) => a.id)).size, 1);
    } finally {
      await h.close();
    }
  });

  it('stop() finishes the batch in flight: recorded, produced, marked and committed', async () => {
    const h = await openHarness('drain');
    try {
      const random = seeded(13);
      const ref = randomUnit(random);
      await h.rule([ref], { threshold: 0.9 });
      const tiles = [1, 2, 3, 4, 5].map((i) => embedded({ i, vector: atCosine(ref, 0.95, random) }));
      await h.produce(tiles);
      let marking = 0;
      let stopped: Promise<void> | undefined;
      const inFlight = withFaults(h.store, {
        markScoredMany: () => {
          marking++;
          // stop() comes while the batch is in flight: its alerts produced, its tiles not yet marked or committed
          stopped ??= alerter.stop();
        },
      });
      const alerter = createAlerter(
        { bus: h.bus, store: inFlight, embedder: h.embedder, log: h.log, now: () => NOW },
        { groupId: 'alerters', maxAgeDays: 4, idleWaitMs: 20, rulesRefreshMs: 0, batchSize: 10 },
      );
      alerter.start();
      while (stopped === undefined) await new Promise((resolve) => setTimeout(resolve, 1));
      await stopped;
      await alerter.done;
      assert.equal(marking, 1, "the batch's tiles were marked in one call, after stop() was called");
      assert.ok(!h.logs.some((r) => String(r.msg).includes('stopped during an outage')));
      for (const t of tiles) assert.ok(await h.store.wasScored(t.id, t.payload.sha256));
      assert.equal((await h.topic('alerts')).length, 5);
      const check = h.bus.consumer({ groupId: 'alerters', topics: ['tiles.embedded'] });
      assert.ok(
        (await check.lag()).every((p) => p.lag === 0),
        'the batch was committed',
      );
      await check.close();
    } finally {
      await h.close();
    }
  });
});
