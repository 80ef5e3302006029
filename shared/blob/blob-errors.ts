/**
 * The codes the blob store puts on its errors, written once; callers branch on these (and on `retriable`).
 */
export const blobErrorCodes = {
  /** a key that is empty, absolute, has `..`, `.` or empty segments, or odd characters (ValidationError) */
  badKey: 'BAD_BLOB_KEY',
  /** a list prefix that is not a string */
  badPrefix: 'BAD_BLOB_PREFIX',
  /** the file system failed; retriable when the errno may clear up (disk full, too many open files) */
  io: 'BLOB_IO',
  /** the store was closed */
  closed: 'BLOB_STORE_CLOSED',
} as const;

export type BlobErrorCode = (typeof blobErrorCodes)[keyof typeof blobErrorCodes];
