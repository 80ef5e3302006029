import type { BlobStore } from '../../../shared/blob/index.js';
import { SERVING_ALIAS, type VectorPoint, type VectorStore } from '../../../shared/store/index.js';
import { apiError, apiErrorCodes } from '../api-errors.js';

/** A tile of the serving collection by point id; 404 (NOT_FOUND) when it holds no such point, or nothing serves. */
export async function findTile(store: VectorStore, id: string): Promise<{ collection: string; point: VectorPoint }> {
  const collection = await store.getAlias(SERVING_ALIAS);
  const point = collection === undefined ? undefined : (await store.get(collection, [id]))[0];
  if (collection === undefined || point === undefined)
    throw apiError(
      apiErrorCodes.notFound,
      `no tile ${id} in the serving collection${collection === undefined ? ' (nothing is indexed yet)' : ` ${collection}`}`,
    );
  return { collection, point };
}

/** The tile's stored image bytes; 404 when the tile store lost them (the point outlived its bytes). */
export async function tileImage(blobs: BlobStore, point: VectorPoint): Promise<Uint8Array> {
  const bytes = await blobs.get(point.payload.tile_uri);
  if (bytes === undefined)
    throw apiError(
      apiErrorCodes.notFound,
      `tile ${point.id} is indexed, but its image ${point.payload.tile_uri} is missing from the tile store`,
    );
  return bytes;
}

/** The content type of a stored tile by its key's extension (the harvester files them as .jpg or .png). */
export function imageContentType(tileUri: string): string {
  return tileUri.toLowerCase().endsWith('.png') ? 'image/png' : 'image/jpeg';
}
