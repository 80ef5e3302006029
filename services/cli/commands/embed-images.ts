import path from 'node:path';
import type { Command } from 'commander';
import { FsModelRegistry, resolveCheckpointDir } from '../../../shared/model/registry/index.js';
import { createContext, type GlobalOptions } from '../context.js';
import { EXIT_FAILED } from '../exit-codes.js';
import { choiceFlag, intFlag } from '../flags.js';

interface EmbedImagesFlags {
  checkpoint: string;
  seed: number;
  out: string;
  inputSize?: number;
  batch: number;
  provider: 'cpu' | 'webgpu' | 'cuda';
}

/** Offline embedding of a folder: one JSONL line per image, for analysis and outside evaluation. */
export function registerEmbedImagesCommand(program: Command): void {
  program
    .command('embed-images')
    .description('embed every JPEG/PNG under DIR into a JSONL file of {"path", "vector"} lines')
    .argument('<dir>', 'folder of images (searched recursively)')
    .requiredOption(
      '--checkpoint <dir|id|random>',
      "a checkpoint directory, a registry id (or 'latest'), or 'random' for a seeded random-initialised encoder",
    )
    .requiredOption('--out <file>', 'JSONL file to write')
    .option('--seed <n>', "seed of the 'random' encoder", intFlag(0, 2 ** 31 - 1), 0)
    .option('--input-size <px>', "input side for 'random' (a checkpoint brings its own)", intFlag(16, 512))
    .option('--batch <n>', 'images per inference call', intFlag(1, 4096), 32)
    .option(
      '--provider <p>',
      'cpu (default), webgpu or cuda (falls back to cpu when unavailable)',
      choiceFlag(['cpu', 'webgpu', 'cuda'] as const),
      'cpu',
    )
    .action(async (dir: string, flags: EmbedImagesFlags) => {
      const { config, log } = createContext(program.opts<GlobalOptions>());
      const registry = new FsModelRegistry({ root: config.model.registryDir });
      const checkpoint =
        flags.checkpoint === 'random'
          ? 'random'
          : await resolveCheckpointDir(flags.checkpoint, registry, '--checkpoint').finally(() => registry.close());
      // loaded when the command runs, so that every other command starts without it
      const { embedImagesToJsonl } = await import('../../../shared/model/infer/index.js');
      const summary = await embedImagesToJsonl({
        dir: path.resolve(dir),
        checkpoint,
        seed: flags.seed,
        inputSize: flags.inputSize,
        out: path.resolve(flags.out),
        batchSize: flags.batch,
        executionProviders: flags.provider === 'cpu' ? ['cpu'] : [flags.provider, 'cpu'],
        log: log.child({ svc: 'embed-images' }),
      });
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      // the good images are written; a bad one is listed and makes the status say so
      if (summary.failed.length > 0) process.exitCode = EXIT_FAILED;
    });
}
