/**
 * Where tile bytes and other immutable artefacts live: files under ./data, object storage when deployed.
 *
 * Keys are relative, '/'-separated paths such as `tiles/MODIS_Terra/2020-09-27/250m/2/1/3.jpg`; every
 * backend refuses (ValidationError) an empty key, an absolute one, '.'/'..' or empty segments, a segment
 * starting with '.' (reserved for the backend's own temp files), backslashes and control characters, so a
 * key means the same object on every backend. Failures of the backend itself are AppErrors: retriable
 * when they may pass (disk full, too many open files), not when they will not (permission denied).
 */
export interface BlobStore {
  /** Stores bytes under `key` (atomically: a reader never sees a partial object); replaces any old value. */
  put(key: string, bytes: Uint8Array): Promise<BlobInfo>;
  /** The bytes, or undefined when the key is missing. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Size and sha256 without reading the object back when the backend can avoid it; undefined when missing. */
  stat(key: string): Promise<BlobInfo | undefined>;
  /** Removes the object; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Keys starting with `prefix` (a plain string prefix, '' for all), in lexicographic (code unit) order. */
  list(prefix: string): AsyncIterable<string>;
  /** Releases resources; later calls fail with AppError 'BLOB_STORE_CLOSED'. */
  close(): Promise<void>;
}

export interface BlobInfo {
  /** lower-case hex */
  sha256: string;
  bytes: number;
}
