import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { ValidationError, describeError, errorCodes } from '../../../shared/errors/index.js';
import { isErrno } from '../../../shared/fs/index.js';
import type { Logger } from '../../../shared/log/index.js';
import type { QueryImage } from '../../../shared/model/infer/index.js';
import { FsModelRegistry, resolveCheckpointDir } from '../../../shared/model/registry/index.js';
import { vectorStoreOptions, type Config } from '../../../shared/config/index.js';
import {
  SERVING_ALIAS,
  createVectorStore,
  storeError,
  storeErrorCodes,
  type Filter,
  type Hit,
  type VectorStore,
} from '../../../shared/store/index.js';
import { createContext, type GlobalOptions } from '../context.js';
import { bboxFlag, dateFlag, intFlag } from '../flags.js';

interface SearchFlags {
  image: string[];
  tile: string[];
  negative: string[];
  from?: string;
  to?: string;
  bbox?: [number, number, number, number];
  layer: string[];
  level: number[];
  limit: number;
  json?: boolean;
}

/** An example as the user named it: an image file, or the point id of a stored tile. */
type Example = { kind: 'file'; file: string } | { kind: 'tile'; id: string };

const POINT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function pointIdFlag(value: string, previous: string[] = []): string[] {
  const id = value.trim().toLowerCase();
  if (!POINT_ID.test(id)) throw new InvalidArgumentError(`expected a tile's point id (a UUID), got "${value}"`);
  return [...previous, id];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const collectList = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((s) => s.trim())];
const collectLevels = (value: string, previous: number[] = []) => [
  ...previous,
  ...value.split(',').map(intFlag(0, 20)),
];

/** `gibs-embed search`: filtered similarity search over the collection the serving alias names. */
export function registerSearchCommand(program: Command): void {
  program
    .command('search')
    .description(
      `find the stored tiles most like an image or a stored tile, in the collection the alias "${SERVING_ALIAS}" names`,
    )
    .option('--image <file>', 'a JPEG/PNG to find tiles like (repeatable: several positives)', collect, [])
    .option('--tile <id>', "a stored tile's point id to find tiles like; it is left out of the hits", pointIdFlag, [])
    .option('--negative <file|id>', 'an image file or point id to steer away from (repeatable)', collect, [])
    .option('--from <date>', 'tiles dated on or after, YYYY-MM-DD', dateFlag)
    .option('--to <date>', 'tiles dated on or before, YYYY-MM-DD', dateFlag)
    .option(
      '--bbox <minLon,minLat,maxLon,maxLat>',
      'tiles whose footprint intersects this box (minLon > maxLon crosses the antimeridian)',
      bboxFlag,
    )
    .option('--layer <id>', 'only this GIBS layer (repeatable, or comma-separated)', collectList, [])
    .option('--level <z>', 'only this tile matrix level (repeatable, or comma-separated)', collectLevels, [])
    .option('--limit <k>', 'number of hits, 1..1000', intFlag(1, 1000), 10)
    .option('--json', 'print {"hits": [{"id", "score", "payload"}]} on stdout')
    .action(async (flags: SearchFlags) => {
      const positives: Example[] = [
        ...flags.image.map((file): Example => ({ kind: 'file', file })),
        ...flags.tile.map((id): Example => ({ kind: 'tile', id })),
      ];
      if (positives.length === 0) throw new ValidationError('search needs --image FILE or --tile ID (or several)');
      if (flags.from !== undefined && flags.to !== undefined && flags.from > flags.to)
        throw new ValidationError(`--from ${flags.from} is after --to ${flags.to}`);
      const negatives = await Promise.all(flags.negative.map(classifyExample));
      const filter = buildFilter(flags, [...positives, ...negatives]);

      const { config, log } = createContext(program.opts<GlobalOptions>());
      const store = await createVectorStore(vectorStoreOptions(config), { logger: log });
      try {
        const collection = await servingCollection(store);
        const vectors = await resolveExamples(store, collection, [...positives, ...negatives], config, log);
        const positive = vectors.slice(0, positives.length);
        const negative = vectors.slice(positives.length);
        const hits =
          positive.length === 1 && negative.length === 0
            ? await store.search(collection, { vector: positive[0], limit: flags.limit, filter })
            : await store.recommend(collection, { positive, negative, limit: flags.limit, filter });
        process.stdout.write(
          flags.json
            ? `${JSON.stringify({ hits: hits.map(({ id, score, payload }) => ({ id, score, payload })) })}\n`
            : formatHits(collection, hits),
        );
      } finally {
        await store.close();
      }
    });
}

/** A --negative names a point id when it looks like one and no such file exists; anything else is a file. */
async function classifyExample(value: string): Promise<Example> {
  const id = value.trim().toLowerCase();
  if (POINT_ID.test(id) && !(await isFile(value))) return { kind: 'tile', id };
  return { kind: 'file', file: value };
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch (error) {
    // no such file: the value is an id; any other failure is reported when the file is read
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return false;
    return true;
  }
}

/** The flags as one port Filter; tiles given as examples are left out of their own hits. */
function buildFilter(flags: SearchFlags, examples: Example[]): Filter | undefined {
  const parts: Filter[] = [];
  if (flags.from !== undefined || flags.to !== undefined) parts.push({ date: { gte: flags.from, lte: flags.to } });
  if (flags.bbox) parts.push({ bbox: flags.bbox });
  if (flags.layer.length > 0) {
    if (flags.layer.some((l) => l === '')) throw new ValidationError('--layer must not be empty');
    parts.push({ layer: [...new Set(flags.layer)] });
  }
  if (flags.level.length > 0) parts.push({ z: [...new Set(flags.level)] });
  const ids = [...new Set(examples.flatMap((e) => (e.kind === 'tile' ? [e.id] : [])))];
  if (ids.length > 0) parts.push({ not: { id: ids } });
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : { and: parts };
}

async function servingCollection(store: VectorStore): Promise<string> {
  const collection = await store.getAlias(SERVING_ALIAS);
  const info = collection === undefined ? undefined : await store.collectionInfo(collection);
  if (collection === undefined || info === undefined || info.points === 0) {
    throw new ValidationError(
      `the vector store is empty: no tile has been embedded yet (alias "${SERVING_ALIAS}" ${collection === undefined ? 'does not exist' : `names ${collection}, which holds no points`}); run gibs-embed harvest and gibs-embed embed first`,
    );
  }
  return collection;
}

/** Every example's vector, in order: stored tiles from the store, files embedded with the collection's model. */
async function resolveExamples(
  store: VectorStore,
  collection: string,
  examples: Example[],
  config: Config,
  log: Logger,
): Promise<Float32Array[]> {
  const ids = examples.flatMap((e) => (e.kind === 'tile' ? [e.id] : []));
  const stored = new Map((await store.get(collection, ids)).map((p) => [p.id, p.vector]));
  const missing = ids.filter((id) => !stored.has(id));
  if (missing.length > 0)
    throw new ValidationError(`unknown tile id ${missing.join(', ')}: no such point in collection ${collection}`);

  const files = examples.flatMap((e) => (e.kind === 'file' ? [e.file] : []));
  const embedded = new Map<string, Float32Array>();
  if (files.length > 0) {
    const images = await Promise.all(files.map(readQueryImage));
    const vectors = await embedWithCollectionModel(store, collection, images, config, log);
    files.forEach((file, i) => embedded.set(file, vectors[i]));
  }
  return examples.map((e) => (e.kind === 'tile' ? stored.get(e.id) : embedded.get(e.file)) as Float32Array);
}

async function readQueryImage(file: string): Promise<QueryImage> {
  try {
    return { label: file, bytes: await readFile(file) };
  } catch (error) {
    throw new ValidationError(`cannot read image ${path.resolve(file)}: ${describeError(error)}`, {
      code: errorCodes.imageUnreadable,
      cause: error,
    });
  }
}

/** The collection's points carry the checkpoint id that made them; the registry has that checkpoint. */
async function embedWithCollectionModel(
  store: VectorStore,
  collection: string,
  images: QueryImage[],
  config: Config,
  log: Logger,
): Promise<Float32Array[]> {
  const models = await store.facet(collection, 'model');
  if (models.length !== 1) {
    // one collection per model version (DESIGN.md): several models in one means the store was written wrongly
    throw storeError(
      storeErrorCodes.corrupt,
      `collection ${collection} holds vectors of ${models.length} models (${models.map((m) => m.value).join(', ')}); expected exactly one`,
    );
  }
  const modelId = models[0].value;
  const registry = new FsModelRegistry({ root: config.model.registryDir, log });
  const checkpoint = await resolveCheckpointDir(
    modelId,
    registry,
    `model ${modelId} of collection ${collection}`,
  ).finally(() => registry.close());
  // loaded only when an image is embedded: a --tile search starts without onnxruntime
  const { openQueryEmbedder } = await import('../../../shared/model/infer/index.js');
  const embedder = await openQueryEmbedder({
    checkpoint,
    expectModelId: modelId,
    intraOpThreads: config.embedder.threads || undefined,
    executionProviders: [config.embedder.executionProvider],
    log: log.child({ svc: 'search' }),
  });
  try {
    return await embedder.embed(images);
  } finally {
    await embedder.close();
  }
}

function formatHits(collection: string, hits: Hit[]): string {
  const lines = [`${hits.length} hit${hits.length === 1 ? '' : 's'} in ${collection} (alias ${SERVING_ALIAS})`];
  if (hits.length === 0) return `${lines[0]}\n`;
  const rows = hits.map((hit, i) => [
    String(i + 1),
    hit.score.toFixed(4),
    hit.id,
    hit.payload.layer,
    hit.payload.date.slice(0, 10),
    `${hit.payload.z}/${hit.payload.row}/${hit.payload.col}`,
    hit.payload.bbox.map((v) => Number(v.toFixed(4))).join(','),
  ]);
  const header = ['#', 'score', 'id', 'layer', 'date', 'z/row/col', 'bbox'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c <= 1 ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  lines.push(line(header), ...rows.map(line));
  return `${lines.join('\n')}\n`;
}
