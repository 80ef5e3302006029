import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import type { ChannelStats } from '../../shared/model/image/index.js';
import type { Logger } from '../../shared/log/index.js';
import { kit, repositoryRoot } from './data-kit.js';

export const repoRoot = repositoryRoot();
export const dataDir = kit();

/** Real imagery of every kind the decoder meets: RGB JPEG, 4-component JPEG, RGBA PNG, paletted PNG, small previews. */
export const tilePaths = [
  'gibs/tiles/epsg4326/MODIS_Terra_CorrectedReflectance_TrueColor/default/2016-01-24/250m/5/5/10.jpg',
  'gibs/tiles/epsg4326/MODIS_Terra_CorrectedReflectance_TrueColor/default/2016-01-24/250m/5/5/11.jpg',
  'gibs/tiles/epsg3413/MODIS_Terra_CorrectedReflectance_TrueColor/default/2017-09-05/250m/0/0/0.jpg',
  'gibs/tiles/other/GOES-East_B13_2021-04-10_512.png',
  'gibs/tiles/other/OCI_PACE_True_Color_2024-05-31_L2_r0_c0.jpg',
  'labeled/hurricane/hurricane.jpg',
  'gibs/layer-previews/sea_ice.png',
];

export async function readTiles(paths: string[] = tilePaths): Promise<Uint8Array[]> {
  return Promise.all(paths.map(async (p) => new Uint8Array(await readFile(path.join(dataDir, p)))));
}

export const testStats: ChannelStats = { mean: [0.35, 0.38, 0.4], std: [0.22, 0.2, 0.21] };

/** A JPEG header followed by garbage: sharp recognises the format and then fails to decode it. */
export const corruptJpeg = new Uint8Array([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 1, 2, 3, 4, 5, 6, 7,
]);

/** A logger that keeps its records, so tests can assert what was warned. */
export function capturingLogger(): { log: Logger; records: Array<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: 'debug' },
    { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { log, records };
}

export function l2(v: Float32Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
