import type { BlobInfo, BlobStore } from '../../../shared/blob/index.js';
import { AppError } from '../../../shared/errors/index.js';
import { lifecycleErrorCodes } from './lifecycle-errors.js';

const readOnly = (what: string) =>
  Promise.reject(
    new AppError(
      lifecycleErrorCodes.sampleReadOnly,
      `${what}: a training sample is a read-only view of the tile store`,
      {
        retriable: false,
      },
    ),
  );

/**
 * The tile store as a training run sees it: only the sampled keys are listed and readable, nothing can be
 * written. The view owns nothing: close() leaves the underlying store open for its owner.
 */
export function tileSampleView(blobs: BlobStore, keys: readonly string[]): BlobStore {
  // the BlobStore contract lists in code-unit order, which is what Array.prototype.sort gives strings
  const sorted = [...new Set(keys)].sort();
  const member = new Set(sorted);
  return {
    put: (key: string) => readOnly(`put ${key}`),
    delete: (key: string) => readOnly(`delete ${key}`),
    get: (key: string): Promise<Uint8Array | undefined> =>
      member.has(key) ? blobs.get(key) : Promise.resolve(undefined),
    stat: (key: string): Promise<BlobInfo | undefined> =>
      member.has(key) ? blobs.stat(key) : Promise.resolve(undefined),
    async *list(prefix: string) {
      for (const key of sorted) if (key.startsWith(prefix)) yield key;
    },
    close: () => Promise.resolve(),
  };
}
