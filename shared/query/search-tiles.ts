import { ValidationError } from '../errors/index.js';
import type { QueryImage } from '../model/infer/index.js';
import type { Filter, Hit, VectorStore } from '../store/index.js';
import { queryErrorCodes } from './query-errors.js';
import { CollectionModels, servingCollection } from './serving-collection.js';

/** An example as a caller has it: a stored tile's point id, a vector of the collection's space, or an image. */
export type QueryExample =
  | { kind: 'tile'; id: string }
  /** any length scale (it is made a unit vector in float64); `label` names it in errors */
  | { kind: 'vector'; vector: Float32Array | readonly number[]; label: string }
  | { kind: 'image'; image: QueryImage };

/** Embeds images with a given checkpoint, exactly as the embedder embeds tiles (ModelEmbedders). */
export interface ImageEmbedding {
  embed(modelId: string, images: readonly QueryImage[]): Promise<Float32Array[]>;
}

export interface TileQuery {
  /** at least one */
  positives: QueryExample[];
  negatives?: QueryExample[];
  /** what the caller selects; tiles given as examples are left out of the hits on top of it */
  filter?: Filter;
  /** hits wanted, 1..1000 (the store's bound) */
  limit: number;
}

export interface TileQueryResult {
  /** the serving collection that answered */
  collection: string;
  /** the checkpoint id of its vectors */
  model: string;
  /** best first */
  hits: Hit[];
}

/**
 * Filtered similarity search over the serving collection, as `gibs-embed search` and `POST /v1/search` run it:
 * tile examples are read from the store, images embedded with the model the collection's points carry, vectors
 * scaled to unit length; one positive alone is a plain search, anything more the average-vector recommendation.
 * The store's model is remembered per collection (CollectionModels), so keep one TileSearch per process.
 */
export class TileSearch {
  private readonly models: CollectionModels;

  constructor(private readonly deps: { store: VectorStore; embedding: ImageEmbedding }) {
    this.models = new CollectionModels(deps.store);
  }

  /** INDEX_EMPTY when nothing serves yet; TILE_NOT_FOUND for an unknown tile example (both ValidationErrors). */
  async search(query: TileQuery): Promise<TileQueryResult> {
    const { store } = this.deps;
    const negatives = query.negatives ?? [];
    if (query.positives.length === 0) throw new ValidationError('a search needs at least one positive example');
    const collection = await servingCollection(store);
    const examples = [...query.positives, ...negatives];
    const model = await this.models.modelOf(collection.name);
    const vectors = await this.resolve(collection.name, collection.dimension, model, examples);
    const positive = vectors.slice(0, query.positives.length);
    const negative = vectors.slice(query.positives.length);
    const filter = withoutExamples(query.filter, examples);
    const hits =
      positive.length === 1 && negative.length === 0
        ? await store.search(collection.name, { vector: positive[0], limit: query.limit, filter })
        : await store.recommend(collection.name, { positive, negative, limit: query.limit, filter });
    return { collection: collection.name, model, hits };
  }

  /** The model of the serving collection (INDEX_EMPTY when there is none). */
  async servingModel(): Promise<{ collection: string; model: string }> {
    const collection = await servingCollection(this.deps.store);
    return { collection: collection.name, model: await this.models.modelOf(collection.name) };
  }

  /** Every example's vector, in order: stored tiles from the store, images embedded with the collection's model. */
  private async resolve(
    collection: string,
    dimension: number,
    model: string,
    examples: QueryExample[],
  ): Promise<Float32Array[]> {
    const ids = [...new Set(examples.flatMap((e) => (e.kind === 'tile' ? [e.id] : [])))];
    const stored = new Map(
      (ids.length === 0 ? [] : await this.deps.store.get(collection, ids)).map((p) => [p.id, p.vector]),
    );
    const missing = ids.filter((id) => !stored.has(id));
    if (missing.length > 0)
      throw new ValidationError(`unknown tile id ${missing.join(', ')}: no such point in collection ${collection}`, {
        code: queryErrorCodes.tileNotFound,
      });
    for (const e of examples) {
      if (e.kind === 'vector' && e.vector.length !== dimension)
        throw new ValidationError(
          `${e.label} has ${e.vector.length} dimensions; the vectors of collection ${collection} have ${dimension}`,
        );
    }
    const images = examples.flatMap((e) => (e.kind === 'image' ? [e.image] : []));
    const embedded = images.length === 0 ? [] : await this.deps.embedding.embed(model, images);
    let next = 0;
    return examples.map((e) => {
      if (e.kind === 'tile') return stored.get(e.id) as Float32Array;
      if (e.kind === 'vector') return unitVector(e.vector, e.label);
      return embedded[next++];
    });
  }
}

/**
 * A caller's vector scaled to unit length (in float64): cosine does not care for the length, and stored vectors
 * are unit vectors, so huge or tiny but finite values neither overflow nor underflow in the store's float32 maths.
 */
function unitVector(vector: Float32Array | readonly number[], label: string): Float32Array {
  const values = Array.from(vector);
  if (!values.every(Number.isFinite)) throw new ValidationError(`${label} holds a value that is not a finite number`);
  // scaled by the largest first, so that a sum of squares of huge values cannot overflow
  const largest = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  if (largest === 0) throw new ValidationError(`${label} is all zeros: it has no direction to compare by cosine`);
  const scaled = values.map((v) => v / largest);
  const norm = Math.sqrt(scaled.reduce((sum, v) => sum + v * v, 0));
  return Float32Array.from(scaled, (v) => v / norm);
}

/** The caller's filter, and the tiles given as examples left out of their own hits. */
function withoutExamples(filter: Filter | undefined, examples: QueryExample[]): Filter | undefined {
  const ids = [...new Set(examples.flatMap((e) => (e.kind === 'tile' ? [e.id] : [])))];
  if (ids.length === 0) return filter;
  const exclude: Filter = { not: { id: ids } };
  if (filter === undefined) return exclude;
  return 'and' in filter ? { and: [...filter.and, exclude] } : { and: [filter, exclude] };
}
