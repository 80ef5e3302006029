/**
 * A labeled image set for precision@k: one folder per class (`<dir>/<class>/<image>`), each image cut into
 * `cropsPerImage` square crops at seeded positions (side = `cropFraction` of the image's shorter side),
 * resized to the encoder's input. Every crop of one source file shares a group (the file's path relative to
 * `dir`), so precision@k never counts a crop of the same scene as a hit.
 *
 * The real set (../shared/data/labeled) has 9 scenes in 6 classes, and only hurricane (2 scenes) and smoke
 * (3) have a second scene, so only their crops are scored; the other classes are distractors.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from '../../errors/index.js';
import { cropToTensor, decodeRaster } from './raster.js';
import { mulberry32, mixSeed } from '../../random/index.js';
import { evalErrorCodes } from './eval-errors.js';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff']);

export interface LabeledSetOptions {
  inputSize: number;
  /** default 16 */
  cropsPerImage?: number;
  /** crop side as a fraction of the image's shorter side (default 0.5) */
  cropFraction?: number;
  /** crop positions (default 1) */
  seed?: number;
}

export interface LabeledSource {
  /** path relative to the set's folder, e.g. 'smoke/smoke.jpg'; also the group of its crops */
  file: string;
  label: string;
  width: number;
  height: number;
}

export interface LabeledSet {
  inputSize: number;
  images: Float32Array[];
  labels: string[];
  groups: string[];
  classes: string[];
  sources: LabeledSource[];
  /** class folders holding no image (reported, not fatal) */
  emptyClasses: string[];
  /** how the crops were cut (part of the evaluation set's identity) */
  crops: { perImage: number; fraction: number; seed: number };
}

async function listDir(dir: string): Promise<import('node:fs').Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (cause) {
    throw new ValidationError(`labeled set folder ${dir} cannot be read`, { code: evalErrorCodes.noDir, cause });
  }
}

export async function buildLabeledSet(dir: string, options: LabeledSetOptions): Promise<LabeledSet> {
  const { inputSize } = options;
  const cropsPerImage = options.cropsPerImage ?? 16;
  const cropFraction = options.cropFraction ?? 0.5;
  const seed = options.seed ?? 1;
  if (!Number.isInteger(inputSize) || inputSize < 8 || inputSize > 1024)
    throw new ValidationError(`inputSize must be an integer in 8..1024, got ${inputSize}`);
  if (!Number.isInteger(cropsPerImage) || cropsPerImage < 1)
    throw new ValidationError(`cropsPerImage must be a positive integer, got ${cropsPerImage}`);
  if (!(cropFraction > 0 && cropFraction <= 1))
    throw new ValidationError(`cropFraction must be in (0, 1], got ${cropFraction}`);

  const classDirs = (await listDir(dir))
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  if (classDirs.length === 0) {
    throw new ValidationError(`labeled set ${dir} has no class folders (expected ${dir}/<class>/<image>)`, {
      code: evalErrorCodes.noClasses,
    });
  }
  const set: LabeledSet = {
    inputSize,
    images: [],
    labels: [],
    groups: [],
    classes: [],
    sources: [],
    emptyClasses: [],
    crops: { perImage: cropsPerImage, fraction: cropFraction, seed },
  };
  for (const label of classDirs) {
    const files = (await listDir(path.join(dir, label)))
      .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase()))
      .map((e) => e.name)
      .sort();
    if (files.length === 0) {
      set.emptyClasses.push(label);
      continue;
    }
    set.classes.push(label);
    for (const name of files) {
      const file = `${label}/${name}`;
      const raster = await decodeRaster(path.join(dir, label, name));
      const side = Math.max(1, Math.round(Math.min(raster.width, raster.height) * cropFraction));
      const rng = mulberry32(mixSeed(seed, set.sources.length));
      for (let c = 0; c < cropsPerImage; c++) {
        const left = Math.floor(rng() * (raster.width - side + 1));
        const top = Math.floor(rng() * (raster.height - side + 1));
        set.images.push(await cropToTensor(raster, { left, top, width: side, height: side }, inputSize));
        set.labels.push(label);
        set.groups.push(file);
      }
      set.sources.push({ file, label, width: raster.width, height: raster.height });
    }
  }
  if (set.classes.length < 2) {
    throw new ValidationError(
      `labeled set ${dir} needs images in at least 2 classes, found ${set.classes.length} (${set.classes.join(', ') || 'none'})`,
      { code: evalErrorCodes.noClasses },
    );
  }
  const scored = set.classes.filter((c) => set.sources.filter((s) => s.label === c).length >= 2);
  if (scored.length === 0) {
    throw new ValidationError(
      `labeled set ${dir}: no class has two source images, so no crop has a same-class neighbour from another image`,
      { code: evalErrorCodes.noQueries },
    );
  }
  return set;
}
