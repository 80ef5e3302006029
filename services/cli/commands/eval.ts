import path from 'node:path';
import type { Command } from 'commander';
import { runEval } from '../../../shared/model/eval/run/index.js';
import { createContext, type GlobalOptions } from '../context.js';
import { intFlag } from '../flags.js';

interface EvalFlags {
  checkpoint: string;
  labeled?: string;
  images?: string;
  tiles?: string;
  current?: string;
  seed: number;
  json?: boolean;
}

const resolve = (dir?: string) => (dir === undefined ? undefined : path.resolve(dir));

/** Retrieval evaluation of a checkpoint beside a random-initialised encoder and a colour histogram. */
export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('retrieval evaluation (precision@k, place-proxy recall@k, collapse) beside random-init and histogram baselines')
    .requiredOption('--checkpoint <dir>', 'checkpoint directory to evaluate')
    .option('--labeled <dir>', 'labeled images, one folder per class (e.g. ../shared/data/labeled)')
    .option('--images <dir>', 'data folder holding gibs/mosaic/ for the held-out place proxy (e.g. ../shared/data)')
    .option('--tiles <dir>', 'a tile folder (e.g. the tile store) for the shifted-view proxy on held-out tiles')
    .option('--current <dir>', 'the serving checkpoint: also print the promotion gate decision')
    .option('--seed <n>', 'seed of the random-init baseline', intFlag(0, 2 ** 31 - 1), 1)
    .option('--json', 'print the reports as JSON')
    .action(async (flags: EvalFlags) => {
      const { log } = createContext(program.opts<GlobalOptions>());
      const result = await runEval({
        checkpointDir: path.resolve(flags.checkpoint),
        labeledDir: resolve(flags.labeled),
        imagesDir: resolve(flags.images),
        tilesDir: resolve(flags.tiles),
        currentDir: resolve(flags.current),
        randomSeed: flags.seed,
        log: log.child({ svc: 'eval' }),
      });
      process.stdout.write(flags.json ? `${JSON.stringify({ rows: result.rows, decision: result.decision })}\n` : `${result.table}\n`);
    });
}
