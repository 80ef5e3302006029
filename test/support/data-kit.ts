import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file holding package.json. */
export function repositoryRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the test file');
    dir = parent;
  }
  return dir;
}

/** A path inside the real data kit (../shared/data from the repository root; read-only). */
export function kit(...parts: string[]): string {
  return path.resolve(repositoryRoot(), '../shared/data', ...parts);
}

export const tiles = {
  geo10: kit('gibs/tiles/epsg4326/MODIS_Terra_CorrectedReflectance_TrueColor/default/2016-01-24/250m/5/5/10.jpg'),
  geo11: kit('gibs/tiles/epsg4326/MODIS_Terra_CorrectedReflectance_TrueColor/default/2016-01-24/250m/5/5/11.jpg'),
  arctic: (row: number, col: number) =>
    kit(`gibs/tiles/epsg3413/MODIS_Terra_CorrectedReflectance_TrueColor/default/2017-09-05/250m/0/${row}/${col}.jpg`),
  goesJpg: kit('gibs/tiles/other/GOES-East_B13_2021-04-10_512.jpg'),
  goesPng: kit('gibs/tiles/other/GOES-East_B13_2021-04-10_512.png'),
  pace: kit('gibs/tiles/other/OCI_PACE_True_Color_2024-05-31_L2_r0_c0.jpg'),
  marble: (z: number, x: number, y: number) => kit(`bluemarble/${z}/${x}/${y}.jpg`),
  modisMosaic: kit('gibs/mosaic/MODIS_Terra_CorrectedReflectance_TrueColor_2020-09-27_global.jpeg'),
};

export const blanks = [
  'Blank_RGBA_256.png',
  'Blank_RGBA_512.png',
  'Blank_RGBA_512_paletted.png',
  'Blank_RGB_256.jpg',
  'Blank_RGB_256_ZEN.jpg',
  'Blank_RGB_512.jpg',
  'Blank_RGB_512_ZEN.jpg',
  'MOG13Q4_LQD_NDVI_NRT.png',
].map((name) => kit('gibs/blank', name));

export function channelMeans(hwc: Float32Array): number[] {
  const m = [0, 0, 0];
  for (let i = 0; i < hwc.length; i++) m[i % 3] += hwc[i];
  return m.map((v) => v / (hwc.length / 3));
}

export function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}
