import type { ModelRegistry } from '../../../shared/model/registry/index.js';
import { SERVING_ALIAS, modelOfCollection, type VectorStore } from '../../../shared/store/index.js';
import { alertApiError, alertApiErrorCodes } from './alert-api-errors.js';

export interface ServingModel {
  /** the collection the serving alias names; undefined before the first tile is embedded */
  collection: string | undefined;
  /** the checkpoint id rules' reference vectors are computed with (the one the alerter scores new tiles with) */
  model: string;
}

/**
 * The model new tiles are scored with: the serving collection's (one collection per model version, named after
 * its checkpoint), or, before anything is indexed, the registry's latest (what the embedder will start with).
 * With neither there is nothing to embed references with: INDEX_EMPTY.
 */
export async function servingModel(deps: { store: VectorStore; models: ModelRegistry }): Promise<ServingModel> {
  const collection = await deps.store.getAlias(SERVING_ALIAS);
  if (collection !== undefined) {
    const fromName = modelOfCollection(collection);
    if (fromName !== undefined) return { collection, model: fromName };
    // a collection named otherwise (made by hand): its points say which model made them
    const models = await deps.store.facet(collection, 'model');
    if (models.length === 1) return { collection, model: models[0].value };
    if (models.length > 1)
      throw alertApiError(
        alertApiErrorCodes.ambiguousModel,
        `the serving collection ${collection} holds vectors of ${models.length} models (${models.map((m) => m.value).join(', ')}); expected one`,
      );
  }
  const latest = await deps.models.latest();
  if (latest !== undefined) return { collection, model: latest.id };
  throw alertApiError(
    alertApiErrorCodes.indexEmpty,
    'no model to embed the references with: nothing is indexed and the model registry has no checkpoint yet',
  );
}
