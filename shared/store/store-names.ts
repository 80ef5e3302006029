import { CHECKPOINT_ID_PATTERN } from '../model/checkpoint/index.js';

/** The alias that names the collection queries use (DESIGN.md: one collection per model version). */
export const SERVING_ALIAS = 'tiles';

const MODEL_COLLECTION_PREFIX = 'tiles_';

/** The collection of one model version's vectors. Checkpoint ids (ckpt-<14 digits>-<12 hex>) are legal names. */
export function collectionForModel(modelId: string): string {
  return `${MODEL_COLLECTION_PREFIX}${modelId}`;
}

/** The checkpoint id whose collection this is (inverse of collectionForModel), or undefined for any other name. */
export function modelOfCollection(collection: string): string | undefined {
  if (!collection.startsWith(MODEL_COLLECTION_PREFIX)) return undefined;
  const id = collection.slice(MODEL_COLLECTION_PREFIX.length);
  return CHECKPOINT_ID_PATTERN.test(id) ? id : undefined;
}
