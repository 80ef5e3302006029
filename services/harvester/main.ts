import type { Registry } from 'prom-client';
import { createBlobStore } from '../../shared/blob/index.js';
import { createBus } from '../../shared/bus/index.js';
import { blobStoreOptions, busOptions, harvestLedgerPath, type Config } from '../../shared/config/index.js';
import { GibsClient, gibsClientOptions } from './http/index.js';
import type { Logger } from '../../shared/log/index.js';
import type { HealthCheck } from '../../shared/metrics/index.js';
import { createHarvester, type Harvester } from './harvester.js';
import { openHarvestLedger } from './harvest-ledger.js';
import { createHarvesterMetrics } from './harvester-metrics.js';

export interface HarvesterService {
  harvester: Harvester;
  checks: HealthCheck[];
  /** stops the harvester (draining in-flight tiles), then releases every adapter it opened */
  close(): Promise<void>;
}

/**
 * The harvester's composition root: opens exactly the adapters it uses (bus, tile store, GIBS client,
 * ledger) from the config and wires them in. `gibs-embed start` and `gibs-embed harvest` both come here.
 */
export async function openHarvesterService(config: Config, log: Logger, registry: Registry): Promise<HarvesterService> {
  const svcLog = log.child({ svc: 'harvester' });
  const bus = await createBus(busOptions(config), { logger: svcLog });
  // the producer makes sure its topic exists (with the configured partitions) before the first tile
  await bus.ensureTopics([{ name: 'tiles.fetched', partitions: config.bus.partitions }]);
  const blobs = createBlobStore(blobStoreOptions(config));
  const gibs = new GibsClient(gibsClientOptions(config));
  const ledger = await openHarvestLedger({ path: harvestLedgerPath(config) });
  const harvester = createHarvester(
    { bus, blobs, gibs, ledger, log: svcLog, metrics: createHarvesterMetrics(registry) },
    // the slice as the user wrote it (resolveHarvesterConfig copies it out of the frozen config); one
    // concurrency knob for GIBS requests and tiles in flight
    { ...config.harvester, concurrency: config.gibs.concurrency },
  );
  let closed = false;
  return {
    harvester,
    // ready while open and scheduled; the bus and the store report their own failures through the tile outcomes
    checks: [
      { name: 'harvester', check: async () => !closed && (harvester.nextRun() !== null || !config.harvester.enabled) },
    ],
    close: async () => {
      if (closed) return;
      closed = true;
      await harvester.stop();
      const results = await Promise.allSettled([bus.close(), blobs.close(), ledger.close(), gibs.close()]);
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      if (failures.length) throw new AggregateError(failures, 'harvester: closing its adapters failed');
    },
  };
}
