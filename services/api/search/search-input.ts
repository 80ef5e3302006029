import type { QueryExample, TileQuery } from '../../../shared/query/index.js';
import type { Filter } from '../../../shared/store/index.js';
import type { ExampleInput, SearchBody, SearchFilterInput } from '../schemas/search-schemas.js';
import { checkQueryImage, decodeQueryImage } from './query-images.js';

/** A validated search body as the shared query takes it; images decoded and checked, vectors as Float32Array. */
export async function toTileQuery(body: SearchBody, uploadLimitBytes: number): Promise<Omit<TileQuery, 'limit'>> {
  const examples = (list: ExampleInput[] | undefined, field: string) =>
    Promise.all((list ?? []).map((example, i) => toExample(example, `${field}[${i}]`, uploadLimitBytes)));
  return {
    positives: await examples(body.positives, 'positives'),
    negatives: await examples(body.negatives, 'negatives'),
    filter: toFilter(body.filter),
  };
}

async function toExample(example: ExampleInput, at: string, uploadLimitBytes: number): Promise<QueryExample> {
  if (example.tileId !== undefined) return { kind: 'tile', id: example.tileId };
  if (example.vector !== undefined) return { kind: 'vector', vector: example.vector, label: `${at}.vector` };
  const label = example.name === undefined ? `${at}.image` : `${at}.image (${example.name})`;
  const bytes = decodeQueryImage(example.image ?? '', `${at}.image`, uploadLimitBytes);
  return { kind: 'image', image: await checkQueryImage({ label, bytes }, uploadLimitBytes) };
}

/** The request's filter as one port Filter (every given field must hold). */
export function toFilter(filter: SearchFilterInput | undefined): Filter | undefined {
  if (filter === undefined) return undefined;
  const parts: Filter[] = [];
  if (filter.from !== undefined || filter.to !== undefined) parts.push({ date: { gte: filter.from, lte: filter.to } });
  if (filter.bbox) parts.push({ bbox: filter.bbox });
  if (filter.near) parts.push({ near: filter.near });
  if (filter.layers) parts.push({ layer: [...new Set(filter.layers)] });
  if (filter.levels) parts.push({ z: [...new Set(filter.levels)] });
  if (filter.models) parts.push({ model: [...new Set(filter.models)] });
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : { and: parts };
}
