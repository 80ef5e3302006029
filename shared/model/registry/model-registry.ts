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
  /** Verifies the stored checkpoint fully, then moves `latest` to it atomically. Unknown id → 'CHECKPOINT_NOT_FOUND'. */
  promote(id: string): Promise<CheckpointMeta>;
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

/** The pointer document `latest` (what promote writes). */
export interface LatestPointer {
  id: string;
  promoted_at: string;
  previous: string | null;
}
