import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { ValidationError, describeError, errorCodes } from '../../../shared/errors/index.js';
import { isErrno } from '../../../shared/fs/index.js';
import { FsModelRegistry, resolveCheckpointDir } from '../../../shared/model/registry/index.js';
import { vectorStoreOptions } from '../../../shared/config/index.js';
import { ModelEmbedders, TileSearch, type QueryExample } from '../../../shared/query/index.js';
import { SERVING_ALIAS, createVectorStore, type Filter, type Hit } from '../../../shared/store/index.js';
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
      const filter = buildFilter(flags);

      const { config, log } = createContext(program.opts<GlobalOptions>());
      const store = await createVectorStore(vectorStoreOptions(config), { logger: log });
      const registry = new FsModelRegistry({ root: config.model.registryDir, log });
      const embedding = new ModelEmbedders({
        // a model id the registry lacks is the user's setup to fix: resolveCheckpointDir says so (exit 2)
        checkpointDir: (id) => resolveCheckpointDir(id, registry, `model ${id} of the serving collection`),
        threads: config.embedder.threads,
        executionProvider: config.embedder.executionProvider,
        log: log.child({ svc: 'search' }),
      });
      try {
        const { collection, hits } = await new TileSearch({ store, embedding }).search({
          positives: await Promise.all(positives.map(toQueryExample)),
          negatives: await Promise.all(negatives.map(toQueryExample)),
          filter,
          limit: flags.limit,
        });
        process.stdout.write(
          flags.json
            ? `${JSON.stringify({ hits: hits.map(({ id, score, payload }) => ({ id, score, payload })) })}\n`
            : formatHits(collection, hits),
        );
      } finally {
        await embedding.close();
        await registry.close();
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

/** The flags as one port Filter (TileSearch leaves the tiles given as examples out of their own hits). */
function buildFilter(flags: SearchFlags): Filter | undefined {
  const parts: Filter[] = [];
  if (flags.from !== undefined || flags.to !== undefined) parts.push({ date: { gte: flags.from, lte: flags.to } });
  if (flags.bbox) parts.push({ bbox: flags.bbox });
  if (flags.layer.length > 0) {
    if (flags.layer.some((l) => l === '')) throw new ValidationError('--layer must not be empty');
    parts.push({ layer: [...new Set(flags.layer)] });
  }
  if (flags.level.length > 0) parts.push({ z: [...new Set(flags.level)] });
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : { and: parts };
}

/** A file is read here (its errors name the path); a tile id is looked up by TileSearch. */
async function toQueryExample(example: Example): Promise<QueryExample> {
  if (example.kind === 'tile') return example;
  return { kind: 'image', image: { label: example.file, bytes: await readImageFile(example.file) } };
}

async function readImageFile(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new ValidationError(`cannot read image ${path.resolve(file)}: ${describeError(error)}`, {
      code: errorCodes.imageUnreadable,
      cause: error,
    });
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
