import type { NewRuleReference } from '../../../shared/alerts/index.js';
import { ValidationError } from '../../../shared/errors/index.js';
import type { VectorStore } from '../../../shared/store/index.js';
import type { BlobStore } from '../../../shared/blob/index.js';
import { apiError, apiErrorCodes } from '../api-errors.js';
import { alertApiError, alertApiErrorCodes } from './alert-api-errors.js';
import type { ReferenceInput } from './alert-schemas.js';

/** Strict base64 (standard alphabet, padded), after an optional data: URL prefix and line breaks are taken off. */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DATA_URL_PREFIX = /^data:image\/[a-z0-9.+-]+;base64,/i;

/** The image bytes of one uploaded reference; `at` names it in errors (e.g. `references[2].image`). */
export function decodeBase64Image(text: string, at: string, maxBytes: number): Uint8Array {
  const compact = text.replace(DATA_URL_PREFIX, '').replace(/\s+/g, '');
  if (compact.length === 0) throw new ValidationError(`${at} is empty: expected a base64 JPEG or PNG`);
  if (compact.length % 4 !== 0 || !BASE64.test(compact))
    throw new ValidationError(`${at} is not valid base64 (standard alphabet, padded to a multiple of 4 characters)`);
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length === 0) throw new ValidationError(`${at} decodes to no bytes: expected a JPEG or PNG`);
  if (bytes.length > maxBytes)
    throw apiError(
      apiErrorCodes.payloadTooLarge,
      `${at} is ${bytes.length} bytes, more than the upload limit (api.uploadLimitBytes) of ${maxBytes}`,
    );
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

export interface ResolvedReferences {
  references: NewRuleReference[];
  /** the label each image is embedded under: names the reference in an UNDECODABLE error */
  embedLabels: string[];
}

/**
 * The references of a rule request as the alert store keeps them: a tile reference's bytes are read from the tile
 * store (the serving collection's point → payload.tile_uri → blob), an upload's decoded from base64. A tile the
 * serving collection does not hold, or whose image is gone, is a 404 naming it; bad base64 is a 400.
 */
export async function resolveReferenceImages(
  deps: { store: VectorStore; blobs: BlobStore },
  collection: string | undefined,
  inputs: readonly ReferenceInput[],
  maxUploadBytes: number,
): Promise<ResolvedReferences> {
  const tileIds = [...new Set(inputs.flatMap((r) => ('tileId' in r ? [r.tileId.toLowerCase()] : [])))];
  const points = tileIds.length > 0 && collection !== undefined ? await deps.store.get(collection, tileIds) : [];
  const uriOf = new Map(points.map((p) => [p.id, p.payload.tile_uri]));
  const missing = tileIds.filter((id) => !uriOf.has(id));
  if (missing.length > 0) {
    throw alertApiError(
      alertApiErrorCodes.tileNotFound,
      `unknown tile id ${missing.join(', ')}: no such tile in the serving collection${collection === undefined ? ' (the index is empty)' : ` ${collection}`}`,
    );
  }
  const blobs = new Map<string, Uint8Array>();
  await Promise.all(
    tileIds.map(async (id) => {
      const uri = uriOf.get(id) as string;
      const bytes = await deps.blobs.get(uri);
      if (bytes === undefined)
        throw alertApiError(
          alertApiErrorCodes.tileNotFound,
          `tile ${id} is indexed but its image ${uri} is missing from the tile store`,
        );
      blobs.set(id, bytes);
    }),
  );

  const references: NewRuleReference[] = [];
  const embedLabels: string[] = [];
  inputs.forEach((input, i) => {
    if ('tileId' in input) {
      const tileId = input.tileId.toLowerCase();
      references.push({ kind: 'tile', tileId, label: `tile ${tileId}`, bytes: blobs.get(tileId) as Uint8Array });
      embedLabels.push(`references[${i}] (tile ${tileId})`);
    } else {
      const bytes = decodeBase64Image(input.image, `references[${i}].image`, maxUploadBytes);
      const label = input.name ?? `upload ${i + 1}`;
      references.push({ kind: 'image', label, bytes });
      embedLabels.push(`references[${i}] (${label})`);
    }
  });
  return { references, embedLabels };
}
