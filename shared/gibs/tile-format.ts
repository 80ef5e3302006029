import { ValidationError } from '../errors/index.js';
import { gibsErrorCodes } from './gibs-errors.js';

/** File extension GIBS uses for a MIME type in tile URLs. */
export function extForFormat(format: string): string {
  switch (format.trim().toLowerCase()) {
    case 'image/jpeg':
    case 'image/jpg':
      return 'jpg';
    case 'image/png':
      return 'png';
    case 'image/webp':
      return 'webp';
    case 'image/tiff':
      return 'tiff';
    case 'application/vnd.mapbox-vector-tile':
      return 'mvt';
    default:
      throw new ValidationError(`no tile extension known for format '${format}'`, {
        code: gibsErrorCodes.unknownFormat,
      });
  }
}
