import type { Registry } from 'prom-client';
import { createAlertStore, type AlertStore } from '../../shared/alerts/index.js';
import { createBus, type Bus } from '../../shared/bus/index.js';
import { alertStoreOptions, busOptions, type Config } from '../../shared/config/index.js';
import { describeError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/log/index.js';
import type { HealthCheck } from '../../shared/metrics/index.js';
import { FsModelRegistry } from '../../shared/model/registry/index.js';
import { ReleaseStack } from '../../shared/lifecycle/index.js';
import { createAlerter, type Alerter } from './alerter.js';
import { createAlerterMetrics, type AlerterMetrics } from './alerter-metrics.js';
import { ALERTS_TOPIC, DLQ_TOPIC, EMBEDDED_TOPIC } from './process-batch.js';
import { createRegistryReferenceEmbedder } from './reference-embedder.js';
import { createDeliveryLoop, type DeliveryLoop } from './webhooks/index.js';

export interface AlerterService {
  alerter: Alerter;
  deliveries: DeliveryLoop;
  /** the store the service opened (rules, history, delivery log) */
  store: AlertStore;
  bus: Bus;
  metrics: AlerterMetrics;
  /** the age beyond which a tile never alerts, as resolved from the configuration */
  maxAgeDays: number;
  checks: HealthCheck[];
  /** drains the batch in flight and the attempts under way, then releases every adapter it opened */
  close(): Promise<void>;
}

/** alerter.maxAgeDays, or the harvester's catch-up window (lagDays + catchUpDays) when unset */
export function alerterMaxAgeDays(config: Config): number {
  return config.alerter.maxAgeDays ?? config.harvester.lagDays + config.harvester.catchUpDays;
}

/**
 * The alerter's composition root: opens exactly the adapters it uses (bus, alert store, model registry, the
 * reference embedder over the registry), starts the consumer on tiles.embedded and the webhook delivery loop, and
 * follows the registry's `latest` so a promoted model's reference vectors are ready before its first tiles come.
 * `gibs-embed start` comes here.
 */
export async function openAlerterService(config: Config, log: Logger, registry: Registry): Promise<AlerterService> {
  const svcLog = log.child({ svc: 'alerter' });
  const a = config.alerter;
  const metrics = createAlerterMetrics(registry);
  // closed in reverse order, on close or after a failed start
  const releases = new ReleaseStack('alerter');
  try {
    const bus = await createBus(busOptions(config), { logger: svcLog });
    releases.push(() => bus.close());
    await bus.ensureTopics(
      [EMBEDDED_TOPIC, ALERTS_TOPIC, DLQ_TOPIC].map((name) => ({ name, partitions: config.bus.partitions })),
    );
    const store = await createAlertStore(alertStoreOptions(config));
    releases.push(() => store.close());
    const models = new FsModelRegistry({ root: config.model.registryDir, log: svcLog });
    releases.push(() => models.close());
    const embedder = createRegistryReferenceEmbedder({ registry: models, log: svcLog });
    releases.push(() => embedder.close());

    const deliveries = createDeliveryLoop(
      { store, log: svcLog, metrics },
      {
        timeoutMs: a.webhook.timeoutMs,
        retries: a.webhook.retries,
        initialBackoffMs: a.webhook.initialBackoffMs,
        maxBackoffMs: a.webhook.maxBackoffMs,
        allowPrivate: a.webhook.allowPrivate,
      },
    );
    releases.push(() => deliveries.stop());
    const maxAgeDays = alerterMaxAgeDays(config);
    const alerter = createAlerter(
      { bus, store, embedder, log: svcLog, metrics, onAlerts: () => deliveries.wake() },
      { groupId: a.groupId, maxAgeDays },
    );
    let preparing: Promise<void> | undefined;
    const watch = models.watch(
      async (latest) => {
        if (!latest) return;
        preparing = alerter.prepareModel(latest.id);
        await preparing;
      },
      {
        intervalMs: a.modelPollMs,
        onError: (error) =>
          svcLog.warn({ err: describeError(error) }, 'alerter: preparing the rules for the latest model failed'),
      },
    );
    releases.push(async () => {
      watch.stop();
      // stopping the alerter also ends a preparation's outage waits; one under way finishes before the store and
      // the embedder close (its failure, if any, already went to onError)
      await alerter.stop();
      await preparing?.catch(() => undefined);
    });
    deliveries.start();
    alerter.start();
    return {
      alerter,
      deliveries,
      store,
      bus,
      metrics,
      maxAgeDays,
      checks: [
        { name: 'alerter', check: async () => !releases.released && alerter.healthy() },
        { name: 'alerter-webhooks', check: async () => !releases.released && deliveries.healthy() },
      ],
      close: () => releases.releaseAll(),
    };
  } catch (error) {
    await releases.releaseAfterFailedStart(svcLog);
    throw error;
  }
}
