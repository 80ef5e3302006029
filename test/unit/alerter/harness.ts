import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { SqliteAlertStore, type AlertRule, type NewAlertRule } from '../../../shared/alerts/index.js';
import { SqliteBus, produceTyped, type TopicPayload } from '../../../shared/bus/index.js';
import type { Logger } from '../../../shared/log/index.js';
import {
  createAlerter,
  createAlerterMetrics,
  type Alerter,
  type AlerterMetrics,
  type AlerterOptions,
} from '../../../services/alerter/index.js';
import { NOW, TableEmbedder, type Embedded } from '../../support/alerter-fixtures.js';
import { capturingLogger } from '../../support/model-fixtures.js';
import { readTopic } from '../../support/read-topic.js';

export interface Harness {
  dir: string;
  bus: SqliteBus;
  store: SqliteAlertStore;
  embedder: TableEmbedder;
  log: Logger;
  logs: Array<Record<string, unknown>>;
  metricsRegistry: Registry;
  metrics: AlerterMetrics;
  /**
   * A rule whose references are the given vectors under `model` (the table embedder learns them): reference
   * images are distinct placeholder bytes, so the embedder is what gives them meaning.
   */
  rule(
    vectors: Float32Array[],
    options?: Partial<NewAlertRule> & { model?: string },
  ): Promise<{ rule: AlertRule; secret: string; images: Uint8Array[] }>;
  produce(messages: Embedded[]): Promise<void>;
  alerter(options?: Partial<AlerterOptions>): Alerter;
  /** runs an alerter until the group has committed everything, then stops it */
  drain(options?: Partial<AlerterOptions>): Promise<void>;
  topic<T extends 'alerts' | 'tiles.dlq'>(name: T): Promise<Array<TopicPayload<T>>>;
  close(): Promise<void>;
}

export const fastOptions: AlerterOptions = {
  groupId: 'alerters',
  maxAgeDays: 4,
  idleWaitMs: 30,
  rulesRefreshMs: 0,
  initialBackoffMs: 10,
  maxBackoffMs: 50,
};

let ruleSeq = 0;

export async function openHarness(name: string): Promise<Harness> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `alerter-${name}-`));
  const { log, records: logs } = capturingLogger();
  const bus = new SqliteBus({
    path: path.join(dir, 'bus.db'),
    defaultPartitions: 2,
    retention: { maxAgeMs: Infinity, maxBytes: Infinity },
    pollIntervalMs: 10,
  });
  await bus.open();
  await bus.ensureTopics([{ name: 'tiles.embedded' }, { name: 'alerts' }, { name: 'tiles.dlq' }]);
  const store = await SqliteAlertStore.open({ path: path.join(dir, 'alerts.db') });
  const embedder = new TableEmbedder();
  const metricsRegistry = new Registry();
  const metrics = createAlerterMetrics(metricsRegistry);
  const alerter = (options: Partial<AlerterOptions> = {}) =>
    createAlerter({ bus, store, embedder, log, metrics, now: () => NOW }, { ...fastOptions, ...options });
  return {
    dir,
    bus,
    store,
    embedder,
    log,
    logs,
    metricsRegistry,
    metrics,
    async rule(vectors, options = {}) {
      const { model = 'model-a', ...rest } = options;
      const images = vectors.map((_, k) => new TextEncoder().encode(`reference ${ruleSeq++} ${k}`));
      images.forEach((bytes, k) => embedder.set(model, bytes, vectors[k]));
      const made = await store.createRule(
        {
          name: `rule ${ruleSeq}`,
          references: images.map((bytes, k) => ({ kind: 'image', label: `ref-${k}.jpg`, bytes })),
          threshold: 0.9,
          cooldownSeconds: 0,
          enabled: true,
          ...rest,
        },
        NOW,
      );
      return { rule: made.rule, secret: made.webhookSecret, images };
    },
    async produce(messages) {
      await produceTyped(
        bus,
        'tiles.embedded',
        messages.map((m) => ({ key: m.id, value: m })),
      );
    },
    alerter,
    async drain(options = {}) {
      const a = alerter(options);
      a.start();
      try {
        await a.untilIdle(AbortSignal.timeout(20_000));
      } finally {
        await a.stop();
      }
      await a.done;
    },
    topic: (name) => readTopic(bus, name, { idleMs: 30 }),
    async close() {
      await store.close();
      await bus.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
