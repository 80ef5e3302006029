export type { BlobStore, BlobInfo } from './blob-store.js';
export { validateBlobKey } from './blob-key.js';
export { FsBlobStore } from './fs-blob-store.js';
export type { FsBlobStoreOptions } from './fs-blob-store.js';
export { createBlobStore } from './create-blob-store.js';
export type { BlobStoreOptions } from './create-blob-store.js';
export { blobErrorCodes } from './blob-errors.js';
export type { BlobErrorCode } from './blob-errors.js';
