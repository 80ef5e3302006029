import path from 'node:path';
import type { AlertStoreOptions } from '../alerts/index.js';
import type { BlobStoreOptions } from '../blob/index.js';
import type { BusOptions } from '../bus/index.js';
import type { VectorStoreOptions } from '../store/index.js';
import type { Config } from './schema.js';

/**
 * Config slices → adapter options: the one translation from what users write to what adapters take, so
 * every composition root opens the same backend the same way.
 */
export function busOptions(config: Config): BusOptions {
  const bus = config.bus;
  if (bus.kind === 'kafka') {
    return {
      kind: 'kafka',
      brokers: [...bus.brokers],
      clientId: bus.clientId,
      defaultPartitions: bus.partitions,
      replicationFactor: bus.replicationFactor,
      ssl: bus.ssl,
      sasl: bus.sasl && { ...bus.sasl },
    };
  }
  return {
    kind: 'sqlite',
    path: bus.path,
    defaultPartitions: bus.partitions,
    retention: { maxAgeMs: bus.retentionHours * 3_600_000, maxBytes: bus.retentionMegabytes * 1024 * 1024 },
  };
}

export function blobStoreOptions(config: Config): BlobStoreOptions {
  return { kind: config.blobs.kind, root: config.blobs.root };
}

/** The harvester's own state file (ETags, sha256s, outcomes) beside the other embedded files. */
export function harvestLedgerPath(config: Config): string {
  return path.join(config.dataDir, 'harvester.db');
}

/** The vector store backend and its settings, as `createVectorStore` takes them. */
export function vectorStoreOptions(config: Config): VectorStoreOptions {
  const store = config.store;
  if (store.kind === 'qdrant')
    return { kind: 'qdrant', url: store.url, apiKey: store.apiKey, timeoutMs: store.timeoutMs };
  return {
    kind: 'lancedb',
    path: store.path,
    exactBelowSelectivity: store.exactBelowSelectivity,
    indexMinRows: store.indexMinRows,
    maintenanceIntervalMs: store.maintenanceIntervalMs,
  };
}

/** The alert rules, history and delivery log (`alerter.dbPath`, DATA_DIR/alerts.db unless set), as `createAlertStore` takes them. */
export function alertStoreOptions(config: Config): AlertStoreOptions {
  return { kind: 'sqlite', path: config.alerter.dbPath };
}
