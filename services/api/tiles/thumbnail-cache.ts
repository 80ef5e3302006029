import sharp from 'sharp';
import { AppError, errorCodes } from '../../../shared/errors/index.js';

/**
 * JPEG thumbnails of tile images, made with sharp and kept by (tile bytes' sha256, size) up to `maxBytes`, least
 * recently used out. Keyed by content, so a re-harvested tile with new bytes never shows an old thumbnail.
 */
export class ThumbnailCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;
  /** thumbnails being made: concurrent requests for one share the work */
  private readonly pending = new Map<string, Promise<Buffer>>();

  constructor(private readonly maxBytes: number) {}

  async get(sha256: string, size: number, image: () => Promise<Uint8Array>): Promise<Buffer> {
    const key = `${sha256}/${size}`;
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    let made = this.pending.get(key);
    if (!made) {
      made = this.make(key, size, image).finally(() => this.pending.delete(key));
      this.pending.set(key, made);
    }
    return made;
  }

  private async make(key: string, size: number, image: () => Promise<Uint8Array>): Promise<Buffer> {
    const bytes = await image();
    let thumbnail: Buffer;
    try {
      thumbnail = await sharp(bytes, { limitInputPixels: 8192 * 8192 })
        .resize(size, size, { fit: 'inside', withoutEnlargement: false })
        .flatten({ background: { r: 0, g: 0, b: 0 } })
        .jpeg({ quality: 80 })
        .toBuffer();
    } catch (error) {
      // a stored tile passed the harvester's decode check: bytes that no longer decode are a damaged store
      throw new AppError(errorCodes.undecodable, `the stored tile image does not decode: ${String(error)}`, {
        retriable: false,
        cause: error,
      });
    }
    this.entries.set(key, thumbnail);
    this.bytes += thumbnail.byteLength;
    for (const [old, value] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(old);
      this.bytes -= value.byteLength;
    }
    return thumbnail;
  }
}
