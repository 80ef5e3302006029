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
export { SERVING_ALIAS, collectionForModel } from './store-names.js';
export { createVectorStore, type VectorStoreOptions } from './create-vector-store.js';
export { tilePayloadSchema, type TilePayload } from './tile-payload.js';
