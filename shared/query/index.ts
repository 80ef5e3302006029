export { queryErrorCodes, type QueryErrorCode } from './query-errors.js';
export { servingCollection, CollectionModels, type ServingCollection } from './serving-collection.js';
export {
  TileSearch,
  type ImageEmbedding,
  type QueryExample,
  type TileQuery,
  type TileQueryResult,
} from './search-tiles.js';
export { ModelEmbedders, type ModelEmbeddersOptions } from './model-embedders.js';
export {
  readStoreStats,
  readBusStats,
  FETCHED_TOPIC,
  DLQ_TOPIC,
  type StoreStats,
  type BusStats,
} from './index-stats.js';
export { tileLinks, type TileLinks } from './tile-links.js';
