import { describe, it } from 'node:test';
import type { VectorStore } from '../../shared/store/index.js';
import { QdrantVectorStore } from '../../shared/store/qdrant/qdrant-vector-store.js';
import { vectorStoreContract } from './vector-store.contract.js';

/**
 * The contract on a real Qdrant server. This is a test harness, so it reads QDRANT_URL (and QDRANT_API_KEY)
 * itself. No Qdrant server can run on the development machines: there the suite is reported as skipped, with
 * the reason, never as passed.
 */
const url = (process.env.QDRANT_URL ?? '').trim();
const apiKey = process.env.QDRANT_API_KEY?.trim() || undefined;

if (url.length === 0) {
  describe('VectorStore contract: qdrant', () => {
    it(
      'runs against a real server',
      { skip: 'QDRANT_URL is not set: the Qdrant vector store contract was NOT run here' },
      () => {},
    );
  });
} else {
  const open = (): Promise<VectorStore> => QdrantVectorStore.open({ url, apiKey, timeoutMs: 30_000 });
  // Qdrant scores in float32 (the contract's truth is float64 cosine)
  vectorStoreContract('qdrant', open, { scoreTolerance: 1e-5 });
}
