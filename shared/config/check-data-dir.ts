import { accessSync, constants, realpathSync, statSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors/index.js';

/** Kernel pseudo-filesystems: nothing can be stored there, and Node's recursive mkdir loops forever under /proc. */
const PSEUDO_ROOTS = ['/proc', '/sys'];
const PSEUDO_FS_MAGIC = new Set([
  0x9fa0 /* proc */, 0x62656572 /* sysfs */, 0x27e0eb /* cgroup */, 0x63677270 /* cgroup2 */,
]);

const WHERE = 'the data directory (GIBS_EMBED_DATA_DIR or --data-dir)';

/**
 * Checks `dir` before anything is created in it: it is a writable directory, or it does not exist yet and
 * its nearest existing ancestor is a writable directory on a normal filesystem. Otherwise a ConfigError
 * (exit 2) names the setting and the path, instead of a raw EEXIST/ENOTDIR stack from the first adapter
 * or a recursive mkdir spinning forever under /proc.
 */
export function checkDataDir(dir: string): void {
  const wanted = path.resolve(dir);
  let existing = wanted;
  for (;;) {
    const kind = kindOf(existing);
    if (kind === 'directory') break;
    if (kind === 'other') {
      const what = existing === wanted ? 'is not a directory' : `cannot be created: ${existing} is not a directory`;
      throw new ConfigError(`${WHERE} ${wanted} ${what}`);
    }
    existing = path.dirname(existing);
  }
  const real = realpathSync(existing);
  if (
    PSEUDO_ROOTS.some((root) => real === root || real.startsWith(`${root}/`)) ||
    PSEUDO_FS_MAGIC.has(Number(statfsSync(real).type))
  ) {
    throw new ConfigError(`${WHERE} ${wanted} lies on a kernel pseudo-filesystem (${real}); choose a normal directory`);
  }
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch (error) {
    const what = existing === wanted ? 'is not writable' : `cannot be created: ${existing} is not writable`;
    throw new ConfigError(`${WHERE} ${wanted} ${what}`, error);
  }
}

function kindOf(target: string): 'directory' | 'other' | 'missing' {
  try {
    return statSync(target).isDirectory() ? 'directory' : 'other';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOTDIR: an ancestor is a file; walking up reaches it and reports it as 'other'
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw new ConfigError(`${WHERE} ${target} cannot be inspected: ${code ?? String(error)}`, error);
  }
}
