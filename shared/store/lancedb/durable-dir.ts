import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fsyncPath, isErrno } from '../../fs/index.js';

/**
 * LanceDB commits by writing data, deletion, transaction and index files and then a new version manifest,
 * but never fsyncs. After each commit this fsyncs every file of the table folder not yet known to be durable
 * (the commit's own, and any a maintenance run or another process left), then the folders holding them, so
 * a write is acknowledged only once all it references is on disk. Files once synced are remembered; a
 * file that vanished meanwhile (cleanup of old versions) is skipped.
 */
export class DurableDir {
  private readonly synced = new Set<string>();

  constructor(private readonly root: string) {}

  /** fsyncs what is new; returns how many files that was */
  async syncNew(): Promise<number> {
    let entries;
    try {
      entries = await readdir(this.root, { withFileTypes: true, recursive: true });
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return 0;
      throw error;
    }
    const dirs = new Set<string>([this.root]);
    const seen = new Set<string>([this.root]);
    let count = 0;
    for (const entry of entries) {
      const full = path.join(entry.parentPath, entry.name);
      seen.add(full);
      if (entry.isDirectory()) {
        // a new folder is itself an entry of its parent
        if (!this.synced.has(full)) dirs.add(full).add(entry.parentPath);
        continue;
      }
      if (!entry.isFile() || this.synced.has(full)) continue;
      if (await syncIfPresent(full)) {
        this.synced.add(full);
        dirs.add(entry.parentPath);
        count++;
      }
    }
    for (const dir of dirs) {
      if (await syncIfPresent(dir)) this.synced.add(dir);
    }
    // forget files cleanup removed, so the set does not grow with every version ever written
    for (const known of this.synced) if (!seen.has(known)) this.synced.delete(known);
    return count;
  }
}

async function syncIfPresent(target: string): Promise<boolean> {
  try {
    await fsyncPath(target);
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false;
    throw error;
  }
}
