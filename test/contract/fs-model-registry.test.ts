import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FsModelRegistry } from '../../shared/model/registry/index.js';
import { modelRegistryContract } from './model-registry.contract.js';

modelRegistryContract('fs', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'fs-model-registry-'));
  const registry = new FsModelRegistry({ root });
  return {
    registry,
    cleanup: async () => {
      await registry.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});
