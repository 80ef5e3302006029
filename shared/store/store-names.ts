/** The alias that names the collection queries use (DESIGN.md: one collection per model version). */
export const SERVING_ALIAS = 'tiles';

/** The collection of one model version's vectors. Checkpoint ids (ckpt-<14 digits>-<12 hex>) are legal names. */
export function collectionForModel(modelId: string): string {
  return `tiles_${modelId}`;
}
