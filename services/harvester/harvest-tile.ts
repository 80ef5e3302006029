import type { BlobStore } from '../../shared/blob/index.js';
import { sha256Hex } from '../../shared/fs/index.js';
import { AppError, RetriesExhaustedError, describeError } from '../../shared/errors/index.js';
import { tileUrl } from '../../shared/gibs/index.js';
import type { GibsClient } from './http/index.js';
import { withRetry, type RetryPolicy } from '../../shared/retry/index.js';
import {
  TILE_SIZE,
  clampBbox,
  inspectImage,
  pointId,
  tileBbox,
  tileBlobKey,
  tileKey,
} from '../../shared/tiles/index.js';
import type { HarvestLedger } from './harvest-ledger.js';
import type { HarvestPlan, PlannedDate } from './harvest-plan.js';
import type { HarvesterMetrics } from './harvester-metrics.js';
import type { ProduceBatcher } from './produce-batcher.js';
import { harvesterErrorCodes } from './harvester-errors.js';

export interface TileTask {
  date: PlannedDate;
  z: number;
  row: number;
  col: number;
}

export type TileResult =
  | { outcome: 'fetched'; bytes: number }
  | { outcome: 'blank' | 'unchanged' }
  | { outcome: 'failed'; code: string; reason: string };

export interface TileContext {
  plan: HarvestPlan;
  gibs: GibsClient;
  blobs: BlobStore;
  ledger: HarvestLedger;
  batcher: ProduceBatcher;
  metrics?: HarvesterMetrics;
  storeRetry: RetryPolicy;
  signal: AbortSignal;
  /** see HarvestOptions.skipKnownBefore */
  skipKnownBefore?: string;
}

const SHARP_FORMAT: Record<string, string> = { 'image/jpeg': 'jpeg', 'image/png': 'png' };

/**
 * One tile, start to finish: conditional fetch (the ETag of the copy we hold), content-type and decode
 * checks, blank detection, store, then the `tiles.fetched` message and ledger row (via the batcher).
 * Never throws for a tile-level problem: failures come back as { outcome: 'failed' } and are recorded
 * in the ledger, so the next run retries them. Only an abort propagates (AbortedError).
 */
export async function harvestTile(ctx: TileContext, task: TileTask): Promise<TileResult> {
  const { plan } = ctx;
  const key = tileKey(plan.layer.id, task.date.date, plan.tms, task.z, task.row, task.col);
  try {
    return await harvest(ctx, task, key);
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    const { code, reason } = failureOf(error);
    await ctx.ledger.record([{ key, status: 'failed', code, reason }]);
    return { outcome: 'failed', code, reason };
  }
}

async function harvest(ctx: TileContext, task: TileTask, key: string): Promise<TileResult> {
  const { plan, ledger, metrics } = ctx;
  const blobKey = tileBlobKey(
    { layer: plan.layer.id, date: task.date.date, tms: plan.tms, z: task.z, row: task.row, col: task.col },
    plan.ext,
  );
  const prior = await ledger.get(key);
  const known = prior && prior.status !== 'failed' ? prior : undefined;
  if (known && ctx.skipKnownBefore !== undefined && task.date.date < ctx.skipKnownBefore)
    return { outcome: 'unchanged' };
  const url = tileUrl(ctx.gibs.baseUrl, {
    layer: plan.layer.id,
    date: task.date.time,
    tms: plan.tms,
    z: task.z,
    row: task.row,
    col: task.col,
    ext: plan.ext,
  });
  const stopTimer = metrics?.fetchSeconds.startTimer();
  const fetched = await ctx.gibs.fetchTile(url, {
    etag: known?.etag,
    signal: ctx.signal,
    onRetry: (error) => metrics?.retries.inc({ code: error.code }),
  });
  stopTimer?.();
  if (fetched.status === 'not-modified') return { outcome: 'unchanged' };

  const contentType = fetched.contentType.split(';')[0]!.trim().toLowerCase();
  if (contentType !== plan.format.toLowerCase()) {
    throw new AppError(
      harvesterErrorCodes.badContentType,
      `expected ${plan.format}, GIBS sent "${fetched.contentType || 'no content type'}"`,
      { retriable: false },
    );
  }
  // UNDECODABLE when sharp cannot read it; WRONG_TILE_SIZE, from the header alone, when it is no tile of this level
  const expectSize = plan.tileSizes.get(task.z) ?? { width: TILE_SIZE, height: TILE_SIZE };
  const image = await inspectImage(fetched.bytes, { expectSize });
  if (SHARP_FORMAT[contentType] !== image.format) {
    throw new AppError(harvesterErrorCodes.badContentType, `sent as ${contentType} but the bytes are ${image.format}`, {
      retriable: false,
    });
  }
  const sha256 = sha256Hex(fetched.bytes);
  if (image.blank) {
    const seen = known?.status === 'blank' && known.sha256 === sha256;
    if (!seen || known.etag !== fetched.etag)
      await ledger.record([{ key, status: 'blank', etag: fetched.etag, sha256 }]);
    return { outcome: seen ? 'unchanged' : 'blank' };
  }
  if (known?.status === 'produced' && known.sha256 === sha256) {
    // Same bytes under a new ETag (or a server without ETags): nothing new to say downstream.
    if (known.etag !== fetched.etag)
      await ledger.record([
        {
          key,
          status: 'produced',
          etag: fetched.etag,
          sha256,
          blobKey: known.blobKey ?? blobKey,
          bytes: fetched.bytes.byteLength,
        },
      ]);
    return { outcome: 'unchanged' };
  }

  await withRetry(() => ctx.blobs.put(blobKey, fetched.bytes), ctx.storeRetry, { signal: ctx.signal });
  const value = {
    v: 1 as const,
    id: pointId(plan.layer.id, task.date.date, plan.tms, task.z, task.row, task.col),
    layer: plan.layer.id,
    date: task.date.date,
    tms: plan.tms,
    z: task.z,
    row: task.row,
    col: task.col,
    // The valid part of the extent: edge tiles reach past 180 E / 90 S, and geo filters want real coordinates.
    bbox: clampBbox(tileBbox(task.z, task.row, task.col)),
    blob_key: blobKey,
    sha256,
    bytes: fetched.bytes.byteLength,
    content_type: contentType,
    fetched_at: new Date().toISOString(),
  };
  await ctx.batcher.submit(
    { key: value.id, value },
    { key, status: 'produced', etag: fetched.etag, sha256, blobKey, bytes: value.bytes },
  );
  return { outcome: 'fetched', bytes: value.bytes };
}

/** The code that says why (for retries that ran out, the last failure's code) and a readable reason. */
function failureOf(error: unknown): { code: string; reason: string } {
  if (error instanceof RetriesExhaustedError && error.cause instanceof AppError)
    return { code: error.cause.code, reason: describeError(error) };
  if (error instanceof AppError) return { code: error.code, reason: error.message };
  // A bug, not a tile problem; still recorded (and logged by the caller) rather than ending the run.
  return { code: harvesterErrorCodes.internal, reason: describeError(error) };
}
