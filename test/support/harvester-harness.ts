import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { FsBlobStore } from '../../shared/blob/index.js';
import { createBus, type Bus } from '../../shared/bus/index.js';
import { parseRecord } from '../../shared/bus/index.js';
import type { TopicPayload } from '../../shared/bus/index.js';
import { GibsClient, type GibsClientOptions } from '../../services/harvester/http/index.js';
import { silentLogger } from '../../shared/log/index.js';
import {
  createCapabilitiesCache,
  createHarvester,
  type CapabilitiesCache,
  createHarvesterMetrics,
  openHarvestLedger,
  type Harvester,
  type HarvesterConfig,
  type HarvesterMetrics,
  type HarvestLedger,
  type SqliteHarvestLedger,
} from '../../services/harvester/index.js';

export interface Harness {
  dir: string;
  bus: Bus;
  blobs: FsBlobStore;
  ledger: SqliteHarvestLedger;
  gibs: GibsClient;
  registry: Registry;
  metrics: HarvesterMetrics;
  harvester: Harvester;
  close(): Promise<void>;
}

export const fastRetry = { retries: 3, initialMs: 5, maxMs: 50, factor: 2, jitter: 0.5 };

/**
 * Real adapters in a temp dir (SqliteBus, FsBlobStore, ledger) and a GibsClient on `baseUrl`, wired into
 * a harvester. `dir` may be given to reopen the same state (a restart).
 */
export async function openHarness(
  baseUrl: string,
  options: {
    dir?: string;
    config?: Partial<HarvesterConfig>;
    gibs?: Partial<GibsClientOptions>;
    capabilities?: CapabilitiesCache;
    /** what the harvester sees of the (real) ledger, e.g. a wrapper that injects write failures */
    wrapLedger?: (ledger: SqliteHarvestLedger) => HarvestLedger;
  } = {},
): Promise<Harness> {
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'harvest-')));
  const bus = await createBus({
    kind: 'sqlite',
    path: path.join(dir, 'bus.db'),
    defaultPartitions: 2,
    retention: { maxAgeMs: Infinity, maxBytes: Infinity },
  });
  await bus.ensureTopics([{ name: 'tiles.fetched', partitions: 2 }]);
  const blobs = new FsBlobStore({ root: path.join(dir, 'tiles') });
  const ledger = await openHarvestLedger({ path: path.join(dir, 'harvester.db') });
  const gibs = new GibsClient({
    baseUrl,
    userAgent: 'gibs-embed/test (+tests@example.org)',
    maxMbps: 'unlimited',
    concurrency: 4,
    timeoutMs: 5000,
    retry: fastRetry,
    ...options.gibs,
  });
  const registry = new Registry();
  const metrics = createHarvesterMetrics(registry);
  const harvester = createHarvester(
    {
      bus,
      blobs,
      gibs,
      ledger: options.wrapLedger ? options.wrapLedger(ledger) : ledger,
      log: silentLogger(),
      metrics,
      capabilities: options.capabilities,
    },
    {
      schedule: '0 6 * * *',
      lagDays: 1,
      timezone: 'UTC',
      jobs: [],
      concurrency: 4,
      storeRetry: fastRetry,
      produceLingerMs: 5,
      ...options.config,
    },
  );
  return {
    dir,
    bus,
    blobs,
    ledger,
    gibs,
    registry,
    metrics,
    harvester,
    close: async () => {
      await harvester.stop();
      await gibs.close();
      await ledger.close();
      await blobs.close();
      await bus.close();
    },
  };
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Every `tiles.fetched` message on the bus, read by a fresh consumer group from the beginning. */
export async function readFetched(bus: Bus): Promise<TopicPayload<'tiles.fetched'>[]> {
  const consumer = bus.consumer({
    groupId: `reader-${Math.random().toString(36).slice(2)}`,
    topics: ['tiles.fetched'],
    fromBeginning: true,
  });
  const out: TopicPayload<'tiles.fetched'>[] = [];
  try {
    for (;;) {
      const records = await consumer.poll({ maxMessages: 1000, timeoutMs: 100 });
      if (records.length === 0) break;
      for (const record of records) {
        const parsed = parseRecord('tiles.fetched', record);
        if (!parsed.ok) throw new Error(`bad message on tiles.fetched: ${parsed.reason}`);
        out.push(parsed.value);
      }
    }
  } finally {
    await consumer.close();
  }
  return out;
}

/**
 * One parsed capabilities document for a whole test file: parsing GIBS's document takes seconds on this
 * machine, and each harness would otherwise parse it again. Its own client, closed by the caller.
 */
export function sharedCapabilities(baseUrl: string): { cache: CapabilitiesCache; close(): Promise<void> } {
  const client = new GibsClient({ baseUrl, userAgent: 'gibs-embed/test', maxMbps: 'unlimited', retry: fastRetry });
  return {
    cache: createCapabilitiesCache(client, { ttlMs: 3_600_000, log: silentLogger() }),
    close: () => client.close(),
  };
}
