import { ValidationError } from '../errors/index.js';
import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';

/** Backend choice as it appears in configuration; object storage joins this union when it lands. */
export type BlobStoreOptions = { kind: 'fs'; root: string; fsync?: boolean };

/** The one place that picks a BlobStore backend from options. Opens nothing: the fs backend creates directories on first write. */
export function createBlobStore(options: BlobStoreOptions): BlobStore {
  switch (options.kind) {
    case 'fs':
      if (typeof options.root !== 'string' || options.root.length === 0) {
        throw new ValidationError('blob store root must be a non-empty directory path');
      }
      return new FsBlobStore({ root: options.root, fsync: options.fsync });
    default: {
      const kind: string = (options as { kind: string }).kind;
      throw new ValidationError(`unknown blob store kind "${kind}"; allowed: fs`);
    }
  }
}
