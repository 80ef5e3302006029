/** Where tile bytes and other immutable artefacts live: files under ./data, object storage when deployed. */
export interface BlobStore {
  /** Stores bytes under `key` (atomically: a reader never sees a partial object). */
  put(key: string, bytes: Uint8Array): Promise<{ sha256: string; bytes: number }>;
  /** The bytes, or undefined when the key is missing. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Size and sha256 without reading the object back when the backend can avoid it; undefined when missing. */
  stat(key: string): Promise<{ sha256: string; bytes: number } | undefined>;
  delete(key: string): Promise<void>;
  /** Keys under a prefix, in lexicographic order. */
  list(prefix: string): AsyncIterable<string>;
  close(): Promise<void>;
}
