import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/log/index.js';
import type { TileAddress } from '../../shared/tiles/index.js';
import { parseRequestTime } from './served-time.js';
import { replayErrorCodes } from './replay-errors.js';

/** A real GIBS tile file in the kit, at its REST address. */
export interface RealTile extends TileAddress {
  ext: 'jpg' | 'png';
  file: string;
}

const INT = /^(0|[1-9]\d*)$/;
const FILE = /^(0|[1-9]\d*)\.(jpg|png)$/;

/**
 * Every file under {root}/{Layer}/default/{YYYY-MM-DD}/{TileMatrixSet}/{z}/{row}/{col}.{jpg|png}. Files that
 * do not follow the scheme are reported through the logger and left out rather than guessed at.
 */
export async function findRealTiles(root: string, logger: Logger): Promise<RealTile[]> {
  let entries: string[];
  try {
    entries = await readdir(root, { recursive: true });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new AppError(replayErrorCodes.dataUnreadable, `cannot list real tiles under ${root}`, {
      retriable: false,
      cause,
    });
  }
  const tiles: RealTile[] = [];
  for (const entry of entries.sort()) {
    const parts = entry.split(path.sep);
    if (parts.length !== 7) continue; // folders on the way down
    const [layer, style, date, tms, z, row, file] = parts;
    const m = FILE.exec(file);
    if (
      style !== 'default' ||
      date.length !== 10 ||
      parseRequestTime(date) === undefined ||
      !INT.test(z) ||
      !INT.test(row) ||
      !m
    ) {
      logger.warn(
        { file: path.join(root, entry) },
        'replay: file does not follow the GIBS tile path scheme; not served',
      );
      continue;
    }
    tiles.push({
      layer,
      date,
      tms,
      z: Number(z),
      row: Number(row),
      col: Number(m[1]),
      ext: m[2] as 'jpg' | 'png',
      file: path.join(root, entry),
    });
  }
  return tiles;
}

/** Bytes of real tiles, read on first request and kept (the kit holds a handful). */
export function createRealTileReader(): (tile: RealTile) => Promise<Buffer> {
  const cache = new Map<string, Promise<Buffer>>();
  return (tile) => {
    let bytes = cache.get(tile.file);
    if (!bytes) {
      bytes = readFile(tile.file).catch((cause: unknown) => {
        cache.delete(tile.file);
        throw new AppError(replayErrorCodes.dataUnreadable, `cannot read real tile ${tile.file}`, {
          retriable: true,
          cause,
        });
      });
      cache.set(tile.file, bytes);
    }
    return bytes;
  };
}
