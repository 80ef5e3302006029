/**
 * The codes of the errors the embedder throws or records, written once. Records that fail for good go to
 * `tiles.dlq` with one of these codes or the code of the error that failed them (UNDECODABLE, BUS_BAD_SCHEMA, ...).
 */
export const embedderErrorCodes = {
  /** a tiles.fetched record whose blob_key is not in the tile store (DLQ reason) */
  blobMissing: 'TILE_BLOB_MISSING',
  /** the serving collection's model cannot be loaded at start, so the index cannot be kept current */
  noServingModel: 'EMBEDDER_NO_SERVING_MODEL',
  /** the alias names a collection that is not a model's collection (tiles_<checkpoint id>) */
  foreignCollection: 'EMBEDDER_FOREIGN_COLLECTION',
  /** a model being prepared is not ready yet (retriable: the batch waits for it) */
  modelNotReady: 'EMBEDDER_MODEL_NOT_READY',
  /** another process runs the re-embed job (retriable: try again later) */
  reembedLocked: 'REEMBED_LOCKED',
  /** the re-embed lock or progress file cannot be used */
  reembedIo: 'REEMBED_IO',
  /** the progress file exists but is not one this build wrote */
  reembedProgressCorrupt: 'REEMBED_PROGRESS_CORRUPT',
  /** some tiles of the serving collection cannot be re-embedded (bytes missing or undecodable): the alias stays */
  reembedIncomplete: 'REEMBED_INCOMPLETE',
  /** a test-only crash point (GIBS_EMBED_CRASH_AT) that does not parse (ValidationError) */
  badCrashPoint: 'BAD_CRASH_POINT',
} as const;

export type EmbedderErrorCode = (typeof embedderErrorCodes)[keyof typeof embedderErrorCodes];

/** better-sqlite3 result code of a lock another connection holds (the re-embed lock is taken, not broken) */
export const SQLITE_BUSY = 'SQLITE_BUSY';
