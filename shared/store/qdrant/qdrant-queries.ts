import type { QdrantClient, Schemas } from '@qdrant/js-client-rest';
import { ValidationError } from '../../errors/index.js';
import { storeError, storeErrorCodes } from '../store-errors.js';
import type { FacetCount, FacetField, Filter, Hit, ScrollPage } from '../vector-store.js';
import { qdrantOp } from './qdrant-errors.js';
import { toQdrantFilter } from './qdrant-filter.js';
import { VECTOR_NAME, indexFields } from './qdrant-payload.js';
import { recordId, recordPayload, recordVector, type QdrantRecord } from './qdrant-points.js';

/** Searches, counts, scrolls and facets: every read that takes a Filter. */

/** Points sharing the score at the cut that a second query fetches, at most (identical vectors, in practice). */
const MAX_TIED = 10_000;
/** More distinct values than any field has (a day per value for `date`: 270 years). */
const FACET_LIMIT = 100_000;

function qdrantFilter(filter: Filter | undefined): Schemas['Filter'] | undefined {
  return filter === undefined ? undefined : toQdrantFilter(filter);
}

const byScoreThenId = (a: Hit, b: Hit): number => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

async function nearest(
  client: QdrantClient,
  collection: string,
  query: number[],
  limit: number,
  filter: Schemas['Filter'] | undefined,
  scoreThreshold?: number,
): Promise<Hit[]> {
  const { points } = await qdrantOp({ operation: 'query', collection }, () =>
    client.query(collection, {
      query,
      using: VECTOR_NAME,
      filter,
      limit,
      with_payload: true,
      score_threshold: scoreThreshold,
    }),
  );
  return (points as Array<QdrantRecord & { score: number }>)
    .map((p) => ({ id: recordId(p), score: p.score, payload: recordPayload(p) }))
    .sort(byScoreThenId);
}

/**
 * Best first, ties broken by id ascending. Qdrant orders equal scores as it likes, so one more hit than asked
 * shows whether a tie straddles the cut; only then are all points with that score fetched and cut by id.
 */
export async function searchPoints(
  client: QdrantClient,
  collection: string,
  vector: Float32Array,
  limit: number,
  filter: Filter | undefined,
): Promise<Hit[]> {
  const query = Array.from(vector);
  const where = qdrantFilter(filter);
  const hits = await nearest(client, collection, query, limit + 1, where);
  if (hits.length <= limit || hits[limit].score !== hits[limit - 1].score) return hits.slice(0, limit);
  // the threshold keeps scores at or above it; a hair below the tie so rounding cannot drop a tied point
  const tie = hits[limit].score;
  const tied = await nearest(
    client,
    collection,
    query,
    limit + MAX_TIED,
    where,
    tie - 1e-6 * Math.max(1, Math.abs(tie)),
  );
  return tied.slice(0, limit);
}

export async function countPoints(
  client: QdrantClient,
  collection: string,
  filter: Filter | undefined,
): Promise<number> {
  const { count } = await qdrantOp({ operation: 'count', collection }, () =>
    client.count(collection, { filter: qdrantFilter(filter), exact: true }),
  );
  return count;
}

/**
 * Qdrant scrolls by id ascending from an inclusive `offset`; the port's `after` is exclusive. So the page is
 * read from `after` itself with room for it and one point more: `after` (if still stored) is dropped, and the
 * extra point tells whether there is a next page without a further call.
 */
export async function scrollPoints(
  client: QdrantClient,
  collection: string,
  request: { filter?: Filter; after?: string; limit: number; withVectors?: boolean },
): Promise<ScrollPage> {
  const { filter, after, limit, withVectors = false } = request;
  const result = await qdrantOp({ operation: 'scroll', collection }, () =>
    client.scroll(collection, {
      filter: qdrantFilter(filter),
      offset: after,
      limit: limit + (after === undefined ? 1 : 2),
      with_payload: true,
      with_vector: withVectors ? [VECTOR_NAME] : false,
    }),
  );
  const records = (result.points as QdrantRecord[])
    .map((record) => ({ record, id: recordId(record) }))
    .filter(({ id }) => after === undefined || id > after)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const page = records.slice(0, limit).map(({ record, id }) => ({
    id,
    payload: recordPayload(record),
    ...(withVectors ? { vector: recordVector(record) } : {}),
  }));
  return { points: page, next: records.length > limit ? page[page.length - 1].id : undefined };
}

const facetKeys: Record<FacetField, string> = { layer: 'layer', model: 'model', z: 'z', date: indexFields.day };

async function facetApi(
  client: QdrantClient,
  collection: string,
  key: string,
  filter: Schemas['Filter'] | undefined,
): Promise<Map<string, number>> {
  const { hits } = await qdrantOp({ operation: 'facet', collection }, () =>
    client.facet(collection, { key, filter, limit: FACET_LIMIT, exact: true }),
  );
  if (hits.length >= FACET_LIMIT) {
    throw storeError(storeErrorCodes.corrupt, `facet ${key}: ${hits.length} values, more than this store ever holds`);
  }
  return new Map(hits.map((h) => [String(h.value), h.count]));
}

/** Counting by scrolling every matching point's one field: for servers whose facet API refuses the field. */
async function facetByScroll(
  client: QdrantClient,
  collection: string,
  key: string,
  filter: Schemas['Filter'] | undefined,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let offset: Schemas['ExtendedPointId'] | undefined;
  do {
    const page = await qdrantOp({ operation: 'scroll', collection }, () =>
      client.scroll(collection, { filter, offset, limit: 10_000, with_payload: [key], with_vector: false }),
    );
    for (const point of page.points) {
      const value = String(point.payload?.[key]);
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    offset = (page.next_page_offset ?? undefined) as Schemas['ExtendedPointId'] | undefined;
  } while (offset !== undefined);
  return counts;
}

/**
 * Exact counts per value, most first, then by value. Qdrant's facet API counts on the keyword/integer
 * indexes; a server that refuses it for a field (400: older servers facet keywords only) is answered by a
 * scroll over that one field instead.
 */
export async function facetPoints(
  client: QdrantClient,
  collection: string,
  field: FacetField,
  filter: Filter | undefined,
  compareValues: (a: string, b: string) => number,
): Promise<FacetCount[]> {
  const key = facetKeys[field];
  const where = qdrantFilter(filter);
  let counts: Map<string, number>;
  try {
    counts = await facetApi(client, collection, key, where);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    counts = await facetByScroll(client, collection, key, where);
  }
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || compareValues(a.value, b.value));
}
