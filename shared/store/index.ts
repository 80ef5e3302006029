export type {
  CollectionInfo,
  FacetCount,
  FacetField,
  Filter,
  Hit,
  RecommendRequest,
  ScrollPage,
  ScrollRequest,
  SearchRequest,
  VectorPoint,
  VectorStore,
} from './vector-store.js';
export { storeErrorCodes, storeError, type StoreErrorCode } from './store-errors.js';
export { SERVING_ALIAS, collectionForModel, modelOfCollection } from './store-names.js';
export { createVectorStore, type VectorStoreOptions } from './create-vector-store.js';
export { tilePayloadSchema, type TilePayload } from './tile-payload.js';
export {
  validateFilter,
  matchesFilter,
  dateBoundToIso,
  haversineKm,
  recommendQuery,
  EARTH_RADIUS_KM,
  MAX_FILTER_DEPTH,
  MAX_FILTER_LIST,
} from './filter.js';
