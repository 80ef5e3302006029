import type { Logger } from '../log/index.js';
import type { VectorStore } from './vector-store.js';

/** Backend choice as configuration gives it (shared/config `vectorStoreOptions`). */
export type VectorStoreOptions =
  | {
      kind: 'lancedb';
      /** the store's folder */
      path: string;
      exactBelowSelectivity: number;
      indexMinRows: number;
      maintenanceIntervalMs: number;
    }
  | { kind: 'qdrant'; url: string; apiKey?: string; timeoutMs: number };

/** The one place that picks a vector store backend; returns it opened. Backends are loaded only when chosen. */
export async function createVectorStore(
  options: VectorStoreOptions,
  deps: { logger?: Logger } = {},
): Promise<VectorStore> {
  if (options.kind === 'qdrant') {
    const { QdrantVectorStore } = await import('./qdrant/qdrant-vector-store.js');
    return QdrantVectorStore.open({ ...options, logger: deps.logger });
  }
  const { LanceVectorStore } = await import('./lancedb/lance-vector-store.js');
  return LanceVectorStore.open({ ...options, logger: deps.logger });
}
