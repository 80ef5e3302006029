import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian's python3-torch lives under the system Python (the pyenv `python3` on PATH has no torch). */
export const DEFAULT_TORCH_PYTHON = '/usr/bin/python3';

/** The folder to put on PYTHONPATH: it holds the gibs_embed_torch package (services/trainer/torch). */
export function torchPackageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'torch');
}
