import { QdrantClient, QdrantClientConfigError } from '@qdrant/js-client-rest';
import { ValidationError } from '../../errors/index.js';
import { silentLogger, type Logger } from '../../log/index.js';
import { recommendQuery } from '../filter.js';
import { storeError, storeErrorCodes } from '../store-errors.js';
import {
  MAX_SCROLL_LIMIT,
  MAX_SEARCH_LIMIT,
  validateDimension,
  validateIds,
  validateLimit,
  validateName,
  validateOptionalFilter,
  validatePoints,
  validateVector,
} from '../store-validation.js';
import type {
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
} from '../vector-store.js';
import * as collections from './qdrant-collections.js';
import { qdrantOp } from './qdrant-errors.js';
import { deletePoints, getPoints, upsertPoints } from './qdrant-points.js';
import { countPoints, facetPoints, scrollPoints, searchPoints } from './qdrant-queries.js';

export interface QdrantVectorStoreOptions {
  /** e.g. http://qdrant:6333 */
  url: string;
  apiKey?: string;
  /** per HTTP call */
  timeoutMs: number;
  logger?: Logger;
}

const FACET_FIELDS: readonly FacetField[] = ['layer', 'date', 'model', 'z'];

/** Facet values order by value after count: numerically for `z`, as strings otherwise (days sort as dates). */
function compareFacetValues(field: FacetField): (a: string, b: string) => number {
  if (field === 'z') return (a, b) => Number(a) - Number(b);
  return (a, b) => (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * The VectorStore port on a Qdrant server (@qdrant/js-client-rest). One named vector `embedding` (cosine) per
 * collection, payload indexes made before ingest (qdrant-payload.ts), `wait: true` writes, aliases switched
 * in one updateCollectionAliases call. Arguments are checked here, exactly as the embedded store checks them,
 * before any request is sent; failures of the server come back as AppErrors (qdrant-errors.ts).
 */
export class QdrantVectorStore implements VectorStore {
  readonly kind = 'qdrant' as const;
  private closed = false;

  private constructor(
    private readonly client: QdrantClient,
    private readonly log: Logger,
  ) {}

  /** Connects and asks the server for its version, so a wrong URL or a server that is down shows at start. */
  static async open(options: QdrantVectorStoreOptions): Promise<QdrantVectorStore> {
    const log = options.logger ?? silentLogger();
    let client: QdrantClient;
    try {
      // the key goes in as a header: the client's `apiKey` option would also print a console warning on http
      client = new QdrantClient({
        url: options.url,
        timeout: options.timeoutMs,
        checkCompatibility: false,
        headers: options.apiKey === undefined ? {} : { 'api-key': options.apiKey },
      });
    } catch (error) {
      if (!(error instanceof QdrantClientConfigError)) throw error;
      throw new ValidationError(`store.url ${JSON.stringify(options.url)}: ${error.message}`, { cause: error });
    }
    const info = await qdrantOp({ operation: 'open' }, () => client.versionInfo());
    if (typeof info?.version !== 'string') {
      throw storeError(storeErrorCodes.corrupt, `${options.url} did not answer like a Qdrant server`);
    }
    if (options.apiKey !== undefined && new URL(options.url).protocol === 'http:') {
      log.warn({ url: options.url }, 'the Qdrant api key travels over plain http');
    }
    log.info({ url: options.url, version: info.version }, 'connected to Qdrant');
    return new QdrantVectorStore(client, log);
  }

  private check(): QdrantClient {
    if (this.closed) throw storeError(storeErrorCodes.closed, 'the Qdrant vector store is closed');
    return this.client;
  }

  async ensureCollection(name: string, dimension: number): Promise<void> {
    const client = this.check();
    validateName(name);
    validateDimension(dimension);
    await collections.ensureCollection(client, name, dimension);
    this.log.debug({ collection: name, dimension }, 'collection ensured');
  }

  async listCollections(): Promise<CollectionInfo[]> {
    return collections.listCollections(this.check());
  }

  async collectionInfo(nameOrAlias: string): Promise<CollectionInfo | undefined> {
    const client = this.check();
    validateName(nameOrAlias);
    return collections.collectionInfo(client, nameOrAlias);
  }

  async dropCollection(name: string): Promise<void> {
    const client = this.check();
    validateName(name);
    await collections.dropCollection(client, name);
  }

  async upsert(collection: string, points: readonly VectorPoint[]): Promise<void> {
    const client = this.check();
    validateName(collection);
    // the dimension is checked here, before the write, so a wrong vector anywhere in the batch writes nothing
    validatePoints(points, await collections.collectionDimension(client, collection));
    await upsertPoints(client, collection, points);
  }

  async delete(collection: string, ids: readonly string[]): Promise<void> {
    const client = this.check();
    validateName(collection);
    validateIds(ids);
    await deletePoints(client, collection, ids);
  }

  async get(collection: string, ids: readonly string[]): Promise<VectorPoint[]> {
    const client = this.check();
    validateName(collection);
    validateIds(ids);
    return getPoints(client, collection, ids);
  }

  async search(collection: string, request: SearchRequest): Promise<Hit[]> {
    const client = this.check();
    validateName(collection);
    const { vector, limit, filter } = request ?? ({} as SearchRequest);
    // finite and non-zero here; a length other than the collection's is refused by Qdrant (400 → ValidationError)
    validateVector(vector, vector instanceof Float32Array ? vector.length : 0, 'vector', true);
    validateLimit(limit, MAX_SEARCH_LIMIT);
    validateOptionalFilter(filter);
    return searchPoints(client, collection, vector, limit, filter);
  }

  async recommend(collection: string, request: RecommendRequest): Promise<Hit[]> {
    this.check();
    const { positive, negative, limit, filter } = request ?? ({} as RecommendRequest);
    return this.search(collection, { vector: recommendQuery(positive, negative), limit, filter });
  }

  async count(collection: string, filter?: Filter): Promise<number> {
    const client = this.check();
    validateName(collection);
    validateOptionalFilter(filter);
    return countPoints(client, collection, filter);
  }

  async scroll(collection: string, request: ScrollRequest): Promise<ScrollPage> {
    const client = this.check();
    validateName(collection);
    const { filter, after, limit, withVectors } = request ?? ({} as ScrollRequest);
    validateOptionalFilter(filter);
    if (after !== undefined) validateIds([after], 'after');
    validateLimit(limit, MAX_SCROLL_LIMIT);
    return scrollPoints(client, collection, { filter, after, limit, withVectors: withVectors === true });
  }

  async facet(collection: string, field: FacetField, filter?: Filter): Promise<FacetCount[]> {
    const client = this.check();
    validateName(collection);
    if (!FACET_FIELDS.includes(field)) {
      throw new ValidationError(`facet field must be one of ${FACET_FIELDS.join(', ')}, got ${JSON.stringify(field)}`);
    }
    validateOptionalFilter(filter);
    return facetPoints(client, collection, field, filter, compareFacetValues(field));
  }

  async setAlias(alias: string, collection: string): Promise<void> {
    const client = this.check();
    validateName(alias, 'alias');
    validateName(collection);
    await collections.setAlias(client, alias, collection);
    this.log.info({ alias, collection }, 'alias switched');
  }

  async getAlias(alias: string): Promise<string | undefined> {
    const client = this.check();
    validateName(alias, 'alias');
    return collections.getAlias(client, alias);
  }

  /** Later calls fail with STORE_CLOSED; the client keeps no state on the server to release. */
  async close(): Promise<void> {
    this.closed = true;
  }
}
