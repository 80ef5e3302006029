import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../shared/errors/index.js';
import { parseCapabilities } from '../../shared/gibs/index.js';
import type { Logger } from '../../shared/log/index.js';
import { rewriteTimeDimensions } from './capabilities-rewrite.js';
import { buildServedLayers, describeCatalog, type ServedLayer } from './replay-catalog.js';
import type { ReplayCatalog } from './replay-types.js';
import { replayErrorCodes } from './replay-errors.js';

/** The real EPSG:4326 "best" capabilities document in the kit (captured around 2017-04-24). */
export const CAPABILITIES_FILE = 'gibs/capabilities/epsg4326_best_WMTSCapabilities_2017-04-24.xml';
/** The empty tiles OnEarth serves where a layer has no data (black JPEG, transparent PNG). */
export const BLANK_JPEG_FILE = 'gibs/blank/Blank_RGB_512.jpg';
export const BLANK_PNG_FILE = 'gibs/blank/Blank_RGBA_512.png';

export interface ReplayData {
  layers: Map<string, ServedLayer>;
  /** the real document with the served layers' time dimensions widened, every other byte unchanged */
  capabilitiesXml: Buffer;
  blankJpeg: Buffer;
  blankPng: Buffer;
  catalog: ReplayCatalog;
}

async function readKitFile(dataDir: string, file: string): Promise<Buffer> {
  try {
    return await readFile(path.join(dataDir, file));
  } catch (cause) {
    throw new AppError(
      replayErrorCodes.dataUnreadable,
      `cannot read ${file} under ${dataDir} (is --data the shared data kit?)`,
      {
        retriable: false,
        cause,
      },
    );
  }
}

/** Read and join everything the replay serves; pixels of the mosaics are decoded later, on first use. */
export async function loadReplayData(
  dataDir: string,
  logger: Logger,
  dateAliases: Readonly<Record<string, string>> = {},
): Promise<ReplayData> {
  const [xml, blankJpeg, blankPng] = await Promise.all([
    readKitFile(dataDir, CAPABILITIES_FILE),
    readKitFile(dataDir, BLANK_JPEG_FILE),
    readKitFile(dataDir, BLANK_PNG_FILE),
  ]);
  const text = xml.toString('utf8');
  const capabilities = parseCapabilities(text);
  for (const problem of capabilities.problems) logger.warn({ problem }, 'replay: capabilities layer left out');
  const layers = await buildServedLayers(dataDir, capabilities.layers, logger, dateAliases);

  const widened = new Map<string, NonNullable<ServedLayer['time']>>();
  for (const layer of layers.values()) {
    const original = capabilities.layers.get(layer.id)?.time;
    const changed =
      layer.time &&
      original &&
      (layer.time.default !== original.default ||
        JSON.stringify(layer.time.intervals) !== JSON.stringify(original.intervals));
    if (layer.time && changed) {
      widened.set(layer.id, layer.time);
    }
  }
  const capabilitiesXml = Buffer.from(rewriteTimeDimensions(text, widened), 'utf8');
  return { layers, capabilitiesXml, blankJpeg, blankPng, catalog: describeCatalog(layers, dataDir) };
}
