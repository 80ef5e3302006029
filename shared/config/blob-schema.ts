import { z } from 'zod';
import { impliedKind } from './implied-kind.js';

const fsBlobs = z.strictObject({
  kind: z.literal('fs'),
  /** '' = DATA_DIR/blobs (resolved by loadConfig) */
  root: z.string().default(''),
});

/** `blobs`: the tile and artefact store. Only `fs` today; naming its `root` (BLOB_STORE_DIR) implies it. */
export const blobSchema = impliedKind(() => 'fs', fsBlobs);

export type BlobConfig = z.output<typeof blobSchema>;
