import sharp from 'sharp';
import { AppError } from '../../shared/errors/index.js';
import { TILE_SIZE, degreesPerPixel, matrixSize, tmsLevels } from '../../shared/tiles/index.js';
import { replayErrorCodes } from './replay-errors.js';

/** A global EPSG:4326 image the replay cuts into GIBS tiles. */
export interface MosaicInfo {
  file: string;
  width: number;
  height: number;
  /** the coarser of the two axes' resolutions: levels must not be finer than the worse axis */
  degreesPerPixel: number;
  /** levels (0..n) whose pixels are no finer than the mosaic's */
  levels: number[];
}

export interface MosaicPyramid {
  readonly info: MosaicInfo;
  /** JPEG bytes of a tile at one of info.levels, or undefined outside them; builds the pyramid on first use */
  tile(z: number, row: number, col: number): Promise<Buffer | undefined>;
  /** build every tile now (the first tile() call does it otherwise) */
  build(): Promise<void>;
}

/** JPEG quality of generated tiles; GIBS's own JPEG tiles are of similar size at this quality. */
const JPEG_QUALITY = 90;
/** a mosaic one part in 10^4 coarser than a level still counts as supporting it (float rounding of 360/width) */
const RESOLUTION_TOLERANCE = 1e-4;

/**
 * Read the mosaic's header (no pixel decoding) and decide its levels. The image is taken to cover exactly
 * -180..180, -90..90 (both kit mosaics are 2:1 and documented as global); a non-2:1 image would be stretched
 * to that extent, and its levels follow the coarser axis so no level claims detail the image lacks.
 */
export async function readMosaicInfo(file: string, tms: string): Promise<MosaicInfo> {
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = await sharp(file).metadata());
  } catch (cause) {
    throw new AppError(replayErrorCodes.mosaicUnreadable, `cannot read mosaic ${file}`, { retriable: false, cause });
  }
  if (!width || !height)
    throw new AppError(replayErrorCodes.mosaicUnreadable, `mosaic ${file} has no size`, { retriable: false });
  const dpp = Math.max(360 / width, 180 / height);
  const levels: number[] = [];
  for (let z = 0; z < tmsLevels(tms); z++) {
    if (degreesPerPixel(z) * (1 + RESOLUTION_TOLERANCE) >= dpp) levels.push(z);
  }
  return { file, width, height, degreesPerPixel: dpp, levels };
}

/**
 * Tiles of one mosaic, built lazily all at once: the mosaic is decoded a single time, each level is the whole
 * globe resampled to exactly (360 x 180) / degreesPerPixel(z) pixels (an integer at every level), padded
 * with black to the full matrix (edge tiles reach past 180 E / 90 S, where GIBS tiles are black too) and cut
 * into 512 px tiles. Resampling the globe once per level keeps tile edges on exact pixel boundaries, which
 * per-tile crops of the source (799.2 source px per z2 tile for MODIS) would not.
 */
export function createMosaicPyramid(info: MosaicInfo): MosaicPyramid {
  const tiles = new Map<string, Buffer>();
  let building: Promise<void> | undefined;

  const build = (): Promise<void> => {
    building ??= buildAll(info, tiles).catch((cause: unknown) => {
      // Forget the failure so a later request tries again instead of failing forever.
      building = undefined;
      tiles.clear();
      throw new AppError(replayErrorCodes.mosaicBuildFailed, `building tiles from ${info.file} failed`, {
        retriable: true,
        cause,
      });
    });
    return building;
  };

  return {
    info,
    build,
    async tile(z, row, col) {
      if (!info.levels.includes(z)) return undefined;
      await build();
      return tiles.get(`${z}/${row}/${col}`);
    },
  };
}

async function buildAll(info: MosaicInfo, into: Map<string, Buffer>): Promise<void> {
  const { data, info: raw } = await sharp(info.file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const source = { raw: { width: raw.width, height: raw.height, channels: raw.channels } } as const;
  for (const z of info.levels) {
    const width = Math.round(360 / degreesPerPixel(z));
    const height = Math.round(180 / degreesPerPixel(z));
    const { cols, rows } = matrixSize(z);
    const level = await sharp(data, source)
      .resize(width, height, { fit: 'fill' })
      .extend({ right: cols * TILE_SIZE - width, bottom: rows * TILE_SIZE - height, background: { r: 0, g: 0, b: 0 } })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const levelSource = {
      raw: { width: level.info.width, height: level.info.height, channels: level.info.channels },
    } as const;
    for (let row = 0; row < rows; row++) {
      for (let col = 0; col < cols; col++) {
        const jpeg = await sharp(level.data, levelSource)
          .extract({ left: col * TILE_SIZE, top: row * TILE_SIZE, width: TILE_SIZE, height: TILE_SIZE })
          .jpeg({ quality: JPEG_QUALITY })
          .toBuffer();
        into.set(`${z}/${row}/${col}`, jpeg);
      }
    }
  }
}
