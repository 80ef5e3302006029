import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import { ValidationError } from '../../shared/errors/index.js';
import type { TileFault } from './replay-types.js';
import { replayErrorCodes } from './replay-errors.js';

const WHERE = /^(\d+)\/(\d+)\/(\d+)$/;

/** Scripted per-tile faults, keyed "z/row/col" (every layer and date), changed while the server runs. */
export interface TileFaults {
  set(tile: string, fault: TileFault | undefined): void;
  get(z: string, row: string, col: string): TileFault | undefined;
}

export function createTileFaults(): TileFaults {
  const faults = new Map<string, TileFault>();
  return {
    set(tile, fault) {
      if (!WHERE.test(tile))
        throw new ValidationError(`a tile fault is keyed "z/row/col", got ${JSON.stringify(tile)}`, {
          code: replayErrorCodes.badFaultOptions,
        });
      if (fault?.kind === 'wrong-size') checkSize(fault.width, fault.height);
      if (fault?.kind === 'status' && !(Number.isInteger(fault.status) && fault.status >= 200 && fault.status <= 599)) {
        throw new ValidationError(`a status fault needs an HTTP status, got ${String(fault.status)}`, {
          code: replayErrorCodes.badFaultOptions,
        });
      }
      if (fault) faults.set(tile, fault);
      else faults.delete(tile);
    },
    get: (z, row, col) => (faults.size === 0 ? undefined : faults.get(`${Number(z)}/${Number(row)}/${Number(col)}`)),
  };
}

export function checkSize(width: number, height: number): void {
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    // 1..32767: what a JPEG header can say (16 bits, and libjpeg refuses more than 65500 anyway)
    if (!Number.isInteger(value) || value < 1 || value > 32_767) {
      throw new ValidationError(`wrong-size ${name} must be an integer from 1 to 32767, got ${String(value)}`, {
        code: replayErrorCodes.badFaultOptions,
      });
    }
  }
}

/**
 * The tile re-encoded, same format, at another size: a valid image that no GIBS TileMatrix would serve. A
 * big target is a solid image (libvips streams it, so the server stays small while the client must not).
 */
export function resizeTile(bytes: Buffer, contentType: string, width: number, height: number): Promise<Buffer> {
  const png = contentType === 'image/png';
  if (width * height <= 4096 * 4096) {
    const image = sharp(bytes).resize(width, height, { fit: 'fill' });
    return png ? image.png().toBuffer() : image.jpeg({ quality: 80 }).toBuffer();
  }
  // Encoding 16000² takes seconds: one solid image per size and format, kept (a few hundred kB each).
  const key = `${width}x${height}.${png ? 'png' : 'jpg'}`;
  let solid = solids.get(key);
  if (!solid) {
    const image = sharp({ create: { width, height, channels: 3, background: { r: 40, g: 90, b: 160 } } });
    solid = png ? image.png().toBuffer() : image.jpeg({ quality: 80 }).toBuffer();
    solids.set(key, solid);
    solid.catch(() => solids.delete(key));
  }
  return solid;
}

const solids = new Map<string, Promise<Buffer>>();

/** Another strong ETag for the same bytes, as after a GIBS re-deploy; '' keeps the ETag. */
export function saltEtag(etag: string, salt: string): string {
  if (salt === '') return etag;
  return `"${createHash('sha256').update(etag).update(salt).digest('hex').slice(0, 32)}"`;
}

/** A scripted status: a short text body; 429 and 503 say Retry-After: 0, so clients retry at once. */
export function sendStatus(res: ServerResponse, status: number, method: string | undefined): void {
  const body = Buffer.from(`scripted ${status}`, 'utf8');
  const headers: Record<string, string> = {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(body.length),
  };
  if (status === 429 || status === 503) headers['Retry-After'] = '0';
  res.writeHead(status, headers).end(method === 'HEAD' ? undefined : body);
}
