import type { BlobStore } from '../../shared/blob/index.js';
import { parseRecord, toDlqMessage, type BusRecord, type TypedMessage } from '../../shared/bus/index.js';
import { AppError } from '../../shared/errors/index.js';
import { sha256Hex } from '../../shared/fs/index.js';
import type { VectorPoint } from '../../shared/store/index.js';
import type { ModelRuntime } from './model-runtime.js';
import { readTile } from './read-tile.js';
import type { HeldModel, Targets } from './model-set.js';
import { tilePayload, type FetchedTile } from './tile-point.js';

/** A tile of the batch that parsed and whose bytes were read. */
export interface ReadTile {
  record: BusRecord;
  tile: FetchedTile;
  bytes: Uint8Array;
  sha256: string;
}

/**
 * One micro-batch from poll to commit. The stages record what they finished, so a retry after a pause resumes
 * where the failure was (the vectors are kept; a collection already written is not written again).
 */
export interface Batch {
  records: BusRecord[];
  targets: Targets;
  /** tiles that parsed, were read and embedded by every model */
  tiles: ReadTile[];
  /** collection → its points (tiles order) */
  points: Map<string, VectorPoint[]>;
  /** the model whose vectors go on tiles.embedded (the alias's, as seen after writing) */
  serving: ModelRuntime;
  dlq: Array<TypedMessage<'tiles.dlq'>>;
  /** collections written */
  written: Set<string>;
  embeddedProduced: boolean;
  dlqProduced: boolean;
  /** a model taken on after writing, because the alias moved to it meanwhile */
  extra?: HeldModel;
  /** performance.now() at poll */
  startedAt: number;
}

const READ_CONCURRENCY = 16;

/** Parses every record and reads its tile bytes; a record that can never succeed becomes a DLQ message. */
export async function readTiles(
  records: readonly BusRecord[],
  blobs: BlobStore,
): Promise<{ tiles: ReadTile[]; dlq: Array<TypedMessage<'tiles.dlq'>> }> {
  const dlq: Array<TypedMessage<'tiles.dlq'>> = [];
  const parsed: Array<{ record: BusRecord; tile: FetchedTile }> = [];
  for (const record of records) {
    const result = parseRecord('tiles.fetched', record);
    if (result.ok) parsed.push({ record, tile: result.value });
    else dlq.push(toDlqMessage(record, result.code, result.reason));
  }
  const read: Array<ReadTile | undefined> = new Array(parsed.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < parsed.length; i = next++) {
      const { record, tile } = parsed[i];
      const bytes = await readTile(blobs, tile.blob_key);
      if (bytes instanceof AppError) {
        dlq.push(toDlqMessage(record, bytes.code, bytes.message));
        continue;
      }
      read[i] = { record, tile, bytes, sha256: sha256Hex(bytes) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, parsed.length) }, worker));
  return { tiles: read.filter((t): t is ReadTile => t !== undefined), dlq };
}

/**
 * Embeds `tiles` with `model`. Returns the points (payload model = this model) of the tiles it could embed; a tile
 * that cannot be decoded is moved to `dlq` and dropped from `tiles` (so every model of the batch stores the same
 * set). A failure that is not the image's fault rejects.
 */
export async function embedTiles(
  model: ModelRuntime,
  tiles: ReadTile[],
  dlq: Array<TypedMessage<'tiles.dlq'>>,
  ingestedAt: string,
): Promise<{ kept: ReadTile[]; points: VectorPoint[]; dropped: Set<string> }> {
  const results = await model.embed(tiles.map((t) => t.bytes));
  const kept: ReadTile[] = [];
  const points: VectorPoint[] = [];
  const dropped = new Set<string>();
  results.forEach((result, i) => {
    const t = tiles[i];
    if (result instanceof Float32Array) {
      kept.push(t);
      points.push({ id: t.tile.id, vector: result, payload: tilePayload(t.tile, model.id, t.sha256, ingestedAt) });
      return;
    }
    if (result.retriable) throw result;
    dropped.add(t.tile.id);
    dlq.push(toDlqMessage(t.record, result.code, `tile ${t.tile.blob_key} cannot be embedded: ${result.message}`));
  });
  return { kept, points, dropped };
}

/**
 * Reads and embeds a batch with every model of `targets` (fixed at the batch's start). Rejects with a retriable
 * AppError when the batch should be retried as a whole after a pause (tile store I/O, a decode worker died).
 */
export async function prepareBatch(
  records: BusRecord[],
  targets: Targets,
  blobs: BlobStore,
  startedAt: number,
  now: () => Date,
): Promise<Batch> {
  const { tiles, dlq } = await readTiles(records, blobs);
  const ingestedAt = now().toISOString();
  let kept = tiles;
  const points = new Map<string, VectorPoint[]>();
  for (const model of targets.models) {
    const result = await embedTiles(model, kept, dlq, ingestedAt);
    kept = result.kept;
    points.set(model.collection, result.points);
    // a tile another model could not decode is left out everywhere (never in practice: one decoder for all)
    if (result.dropped.size > 0)
      for (const [collection, list] of points)
        points.set(
          collection,
          list.filter((p) => !result.dropped.has(p.id)),
        );
  }
  return {
    records,
    targets,
    tiles: kept,
    points,
    serving: targets.serving,
    dlq,
    written: new Set(),
    embeddedProduced: false,
    dlqProduced: false,
    startedAt,
  };
}
