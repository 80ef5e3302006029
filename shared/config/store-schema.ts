import { z } from 'zod';
import { impliedKind } from './implied-kind.js';

const lancedbStore = z.strictObject({
  kind: z.literal('lancedb'),
  /** '' = DATA_DIR/vectors (resolved by loadConfig) */
  path: z.string().default(''),
  /**
   * The planner searches exactly (every matching row) when a filter keeps at most this fraction of the
   * collection, and through the ANN index above it: an IVF index only probes some partitions, so under a
   * very selective filter it misses most matches.
   */
  exactBelowSelectivity: z.number().min(0).max(1).default(0.05),
  /** no ANN index below this many rows: an exact scan is fast and always right */
  indexMinRows: z.number().int().min(256).default(50_000),
  /** background compaction of small fragments and index refresh, at most this often */
  maintenanceIntervalMs: z.number().int().min(1000).default(60_000),
});

const qdrantStore = z.strictObject({
  kind: z.literal('qdrant'),
  url: z.url(),
  apiKey: z.string().min(1).optional(),
  timeoutMs: z.number().int().min(100).default(30_000),
});

/**
 * `store`: the vector store, embedded LanceDB or Qdrant. Without an explicit `kind` (STORE_KIND), naming a
 * Qdrant URL (QDRANT_URL) selects Qdrant and anything else the embedded store.
 */
export const storeSchema = impliedKind(
  (written) => ('url' in written ? 'qdrant' : 'lancedb'),
  z.discriminatedUnion('kind', [lancedbStore, qdrantStore]),
);

export type StoreConfig = z.output<typeof storeSchema>;
