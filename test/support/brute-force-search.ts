import { matchesFilter, recommendQuery } from '../../shared/store/filter.js';
import type {
  FacetCount,
  FacetField,
  Filter,
  ScrollPage,
  TilePayload,
  VectorPoint,
} from '../../shared/store/vector-store.js';

/**
 * The exact answer to every VectorStore read over a set of points, by definition: matchesFilter for the filter,
 * cosine in float64 for the score, ties by id. The contract suite holds one beside each collection it writes
 * and compares the backend with it.
 */

export interface ExpectedHit {
  id: string;
  score: number;
}

export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class BruteForce {
  readonly points = new Map<string, VectorPoint>();

  upsert(points: readonly VectorPoint[]): void {
    for (const p of points) {
      this.points.set(p.id, { id: p.id, vector: Float32Array.from(p.vector), payload: structuredClone(p.payload) });
    }
  }

  delete(ids: readonly string[]): void {
    for (const id of ids) this.points.delete(id);
  }

  matching(filter?: Filter): VectorPoint[] {
    const all = [...this.points.values()];
    return filter === undefined ? all : all.filter((p) => matchesFilter(filter, p));
  }

  /** every matching point scored, best first, ties by id */
  ranked(vector: Float32Array, filter?: Filter): ExpectedHit[] {
    return this.matching(filter)
      .map((p) => ({ id: p.id, score: cosineSimilarity(vector, p.vector) }))
      .sort((a, b) => b.score - a.score || byId(a.id, b.id));
  }

  search(vector: Float32Array, limit: number, filter?: Filter): ExpectedHit[] {
    return this.ranked(vector, filter).slice(0, limit);
  }

  recommend(positive: Float32Array[], negative: Float32Array[], limit: number, filter?: Filter): ExpectedHit[] {
    return this.search(recommendQuery(positive, negative), limit, filter);
  }

  count(filter?: Filter): number {
    return this.matching(filter).length;
  }

  /** ids of the matching points in id order (what a full scroll must yield) */
  ids(filter?: Filter): string[] {
    return this.matching(filter)
      .map((p) => p.id)
      .sort(byId);
  }

  scroll(filter: Filter | undefined, after: string | undefined, limit: number): ScrollPage {
    const ids = this.ids(filter).filter((id) => after === undefined || id > after);
    const page = ids.slice(0, limit);
    const points = page.map((id) => ({ id, payload: this.points.get(id)!.payload }));
    return ids.length > limit ? { points, next: page[page.length - 1] } : { points };
  }

  facet(field: FacetField, filter?: Filter): FacetCount[] {
    const counts = new Map<string, number>();
    for (const p of this.matching(filter)) {
      const value = facetValue(p.payload, field);
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    const byValue = field === 'z' ? (a: string, b: string) => Number(a) - Number(b) : byId;
    return [...counts]
      .map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || byValue(a.value, b.value));
  }

  payload(id: string): TilePayload | undefined {
    return this.points.get(id)?.payload;
  }
}

function facetValue(payload: TilePayload, field: FacetField): string {
  if (field === 'date') return new Date(Date.parse(payload.date)).toISOString().slice(0, 10);
  return String(payload[field]);
}
