import type { AppError } from '../../errors/index.js';
import type { CheckpointMeta, LoadedCheckpoint } from '../checkpoint/index.js';

/**
 * Where trained encoders live between the trainer and the embedders (DESIGN.md "Registry"): every
 * checkpoint is immutable and identified by its content-derived id; `latest` is a pointer moved
 * atomically by `promote`; corrupt or mismatched files are refused, so whoever serves the current model
 * keeps serving it. Backends: FsModelRegistry (files under ./data); object storage where deployed.
 * One contract suite (test/contract/model-registry.contract.ts) every backend passes.
 */
export interface ModelRegistry {
  /**
   * Verifies the checkpoint directory (every sha256, weights ↔ architecture) and stores it under its id.
   * Publishing the same checkpoint again is a no-op; publishing it again with additional files (e.g. a
   * model.onnx exported since) adds them; different content under the same id → 'CHECKPOINT_CONFLICT'.
   * Does not move `latest`.
   */
  publish(checkpointDir: string): Promise<CheckpointMeta>;
  /** Metadata of a stored checkpoint; undefined when unknown. */
  get(id: string): Promise<CheckpointMeta | undefined>;
  /** Every stored checkpoint, oldest first (created_at, then id). Entries with corrupt metadata are left out and reported to the backend's logger. */
  list(): Promise<CheckpointMeta[]>;
  /** The checkpoint `latest` points at; undefined before the first promotion. */
  latest(): Promise<CheckpointMeta | undefined>;
  /**
   * Verifies the stored checkpoint fully, then moves `latest` to it atomically; the one it replaces heads the
   * pointer's `history`. Promoting the checkpoint that is already latest changes nothing but `promoted_at`.
   * Unknown id → 'CHECKPOINT_NOT_FOUND'.
   */
  promote(id: string): Promise<CheckpointMeta>;
  /** The `latest` pointer document (who serves, since when, who served before); undefined before the first promotion. */
  pointer(): Promise<LatestPointer | undefined>;
  /**
   * Moves `latest` back to the checkpoint that served before it (`previous`), verified fully first, and drops
   * the rolled-back one from the history, so a second rollback goes one further back. Nothing served before
   * → ValidationError 'REGISTRY_NO_PREVIOUS'; a damaged previous checkpoint is refused and `latest` stays.
   */
  rollback(): Promise<RollbackResult>;
  /** Loads (and verifies) a stored checkpoint. Unknown id → 'CHECKPOINT_NOT_FOUND'; damaged → 'CHECKPOINT_CORRUPT'. */
  open(id: string): Promise<LoadedCheckpoint>;
  /** One file of a stored checkpoint (e.g. 'model.onnx'), checked against its sha256. */
  readFile(id: string, name: string): Promise<Uint8Array>;
  /**
   * Polls `latest`: calls `onChange` with the current value first, then whenever the pointer moves.
   * Polls never overlap; when `onChange` throws, the change is offered again at the next poll.
   */
  watch(onChange: (latest: CheckpointMeta | undefined) => void | Promise<void>, options: WatchOptions): RegistryWatch;
  /** Stops every watch; later calls fail with 'REGISTRY_CLOSED'. */
  close(): Promise<void>;
}

export interface WatchOptions {
  /** default 2000 */
  intervalMs?: number;
  /** a failed poll or a throwing onChange; the watch keeps going */
  onError: (error: AppError) => void;
}

export interface RegistryWatch {
  stop(): void;
}

/** The pointer document `latest` (what promote and rollback write). */
export interface LatestPointer {
  id: string;
  /** when `latest` last moved to `id` (RFC 3339) */
  promoted_at: string;
  /** the checkpoint that served before `id`; what a rollback returns to (= history[0]) */
  previous: string | null;
  /** the checkpoints that served before `id`, newest first, at most LATEST_HISTORY_LENGTH (older files: [previous]) */
  history: string[];
}

/** What a rollback did: `latest` moved from `from` back to `to`. */
export interface RollbackResult {
  from: string;
  to: CheckpointMeta;
  pointer: LatestPointer;
}

/** How many earlier checkpoints the pointer remembers: the depth of successive rollbacks. */
export const LATEST_HISTORY_LENGTH = 20;
