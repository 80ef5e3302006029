import type { BlobStore } from '../../shared/blob/index.js';
import { AppError } from '../../shared/errors/index.js';
import { embedderErrorCodes } from './embedder-errors.js';

/**
 * A tile's bytes from the tile store, or the AppError that says why they can never be had (missing: TILE_BLOB_MISSING;
 * a key the store refuses). A failure that may pass (disk busy, too many open files) rejects, so the caller pauses
 * and retries instead of giving the tile up.
 */
export async function readTile(blobs: BlobStore, key: string): Promise<Uint8Array | AppError> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await blobs.get(key);
  } catch (error) {
    if (error instanceof AppError && !error.retriable)
      return new AppError(error.code, `tile ${key} cannot be read: ${error.message}`, {
        retriable: false,
        cause: error,
      });
    throw error;
  }
  return (
    bytes ?? new AppError(embedderErrorCodes.blobMissing, `tile ${key} is not in the tile store`, { retriable: false })
  );
}
