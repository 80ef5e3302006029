import { ValidationError } from '../errors/index.js';
import { SERVING_ALIAS, storeError, storeErrorCodes, type VectorStore } from '../store/index.js';
import { queryErrorCodes } from './query-errors.js';

export interface ServingCollection {
  /** the collection the alias names */
  name: string;
  dimension: number;
  points: number;
}

/**
 * The collection queries read (the one SERVING_ALIAS names), or INDEX_EMPTY (a ValidationError) when there is
 * none or it holds no point yet: a search could only answer nothing, and the user needs to know why.
 */
export async function servingCollection(store: VectorStore): Promise<ServingCollection> {
  const collection = await store.getAlias(SERVING_ALIAS);
  const info = collection === undefined ? undefined : await store.collectionInfo(collection);
  if (collection === undefined || info === undefined || info.points === 0) {
    throw new ValidationError(
      `the vector store is empty: no tile has been embedded yet (alias "${SERVING_ALIAS}" ${collection === undefined ? 'does not exist' : `names ${collection}, which holds no points`}); run gibs-embed harvest and gibs-embed embed first`,
      { code: queryErrorCodes.indexEmpty },
    );
  }
  return { name: collection, dimension: info.dimension, points: info.points };
}

/**
 * The checkpoint id a collection's points carry in `model`, remembered per collection: one collection holds one
 * model version (DESIGN.md), so the answer never changes and the facet (a scan) runs once per collection.
 */
export class CollectionModels {
  private readonly known = new Map<string, Promise<string>>();

  constructor(private readonly store: VectorStore) {}

  modelOf(collection: string): Promise<string> {
    let model = this.known.get(collection);
    if (model === undefined) {
      model = this.read(collection);
      // a failure (store down) is not remembered: the next query asks again
      model.catch(() => this.known.delete(collection));
      this.known.set(collection, model);
    }
    return model;
  }

  private async read(collection: string): Promise<string> {
    const models = await this.store.facet(collection, 'model');
    if (models.length !== 1) {
      // one collection per model version (DESIGN.md): several models in one means the store was written wrongly
      throw storeError(
        storeErrorCodes.corrupt,
        `collection ${collection} holds vectors of ${models.length} models (${models.map((m) => m.value).join(', ')}); expected exactly one`,
      );
    }
    return models[0].value;
  }
}
