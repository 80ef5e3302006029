import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../errors/index.js';
import { imageErrorCodes } from './image-errors.js';

const IMAGE_EXTENSION = /\.(jpe?g|png)$/i;

export interface ImageFile {
  /** absolute path */
  path: string;
  /** path relative to the listed directory, '/'-separated */
  relative: string;
}

/** Every JPEG/PNG (by extension, any case) under `dir`, recursively, sorted by relative path. */
export async function listImageFiles(dir: string): Promise<ImageFile[]> {
  const root = path.resolve(dir);
  const found: ImageFile[] = [];
  const walk = async (current: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new AppError(
        imageErrorCodes.dirUnreadable,
        `cannot list images under ${current}: ${code ?? String(error)}`,
        {
          retriable: code === 'EMFILE' || code === 'ENFILE' || code === 'EAGAIN',
          cause: error,
        },
      );
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && IMAGE_EXTENSION.test(entry.name))
        found.push({ path: full, relative: path.relative(root, full).split(path.sep).join('/') });
    }
  };
  await walk(root);
  return found.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
}

/** Absolute paths of listImageFiles(dir), in the same order. */
export async function listImages(dir: string): Promise<string[]> {
  return (await listImageFiles(dir)).map((f) => f.path);
}
