import { ValidationError } from '../errors/index.js';
import { blobErrorCodes } from './blob-errors.js';

const MAX_KEY_LENGTH = 1024;
// Control characters and backslashes: a key must name the same object on Linux, Windows and S3.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN = /[\u0000-\u001f\u007f\\]/;

/**
 * Checks a blob key against the rules of the BlobStore port and returns it unchanged. Every backend
 * calls this first, so a key that one backend accepts is accepted by all of them.
 */
export function validateBlobKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new ValidationError('blob key must be a non-empty string', { code: blobErrorCodes.badKey });
  }
  if (key.length > MAX_KEY_LENGTH) {
    throw new ValidationError(`blob key is ${key.length} characters; at most ${MAX_KEY_LENGTH} are allowed`, {
      code: blobErrorCodes.badKey,
    });
  }
  if (key.startsWith('/')) {
    throw new ValidationError(`blob key "${key}" is absolute; keys are relative paths like "tiles/a/b.jpg"`, {
      code: blobErrorCodes.badKey,
    });
  }
  if (FORBIDDEN.test(key)) {
    throw new ValidationError(
      `blob key ${JSON.stringify(key)} contains a backslash or control character; use '/'-separated printable segments`,
      { code: blobErrorCodes.badKey },
    );
  }
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new ValidationError(`blob key "${key}" has an empty, '.' or '..' segment; segments must be plain names`, {
        code: blobErrorCodes.badKey,
      });
    }
    if (segment.startsWith('.')) {
      throw new ValidationError(
        `blob key "${key}" has a segment starting with '.', which is reserved for the store's temp files`,
        { code: blobErrorCodes.badKey },
      );
    }
  }
  return key;
}
