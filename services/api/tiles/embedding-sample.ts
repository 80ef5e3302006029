import { mulberry32 } from '../../../shared/random/index.js';
import type { ScrollPage, VectorStore } from '../../../shared/store/index.js';

export type SamplePoint = Required<ScrollPage['points'][number]>;

/**
 * `limit` points of a collection with their vectors, the same for the same seed (while the collection does not
 * change). Point ids are UUIDv5, uniformly spread hashes, so the points following a seeded random id in id order
 * are a uniform sample: one scroll from there (wrapping round to the start) reads just `limit` points, however
 * large the collection is.
 */
export async function sampleEmbeddings(
  store: VectorStore,
  collection: string,
  limit: number,
  seed: number,
): Promise<SamplePoint[]> {
  const start = seededId(seed);
  const points: SamplePoint[] = [];
  const read = async (after: string | undefined, until: (id: string) => boolean) => {
    let cursor = after;
    while (points.length < limit) {
      const page = await store.scroll(collection, { after: cursor, limit: limit - points.length, withVectors: true });
      for (const p of page.points) {
        if (until(p.id)) return;
        points.push(p as SamplePoint);
      }
      if (page.next === undefined) return;
      cursor = page.next;
    }
  };
  await read(start, () => false);
  // wrapped round: the points before the start, stopping where the first pass began
  if (points.length < limit) await read(undefined, (id) => id > start);
  return points;
}

/** A random point-id-shaped string from the seed (the store takes only UUIDs as `after`). */
function seededId(seed: number): string {
  const rng = mulberry32(seed);
  const hex = () =>
    Math.floor(rng() * 2 ** 32)
      .toString(16)
      .padStart(8, '0');
  const h = `${hex()}${hex()}${hex()}${hex()}`;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
