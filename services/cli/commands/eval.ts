import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { PlaceProxyMosaics } from '../../../shared/model/eval/index.js';
import { FsModelRegistry, resolveCheckpointDir } from '../../../shared/model/registry/index.js';
import { createContext, type GlobalOptions } from '../context.js';
import { EXIT_KEEP_CURRENT } from '../exit-codes.js';
import { choiceFlag, intFlag } from '../flags.js';

interface EvalFlags {
  checkpoint: string;
  labeled?: string;
  mosaics?: PlaceProxyMosaics;
  tiles?: string;
  current?: string;
  seed: number;
  provider: 'cpu' | 'webgpu' | 'cuda';
  json?: boolean;
}

const resolve = (dir?: string) => (dir === undefined ? undefined : path.resolve(dir));

/** `FILE[,FILE]`: the primary mosaic, then optionally the cross-source one (resolved against the cwd). */
function mosaicsFlag(value: string): PlaceProxyMosaics {
  const files = value.split(',').map((s) => s.trim());
  if (files.length > 2 || files.some((f) => f === '')) {
    throw new InvalidArgumentError(
      `expected one or two mosaic files separated by a comma (primary[,cross-source]), got "${value}"`,
    );
  }
  const [primary, crossSource] = files.map((f) => path.resolve(f));
  return crossSource === undefined ? { primary } : { primary, crossSource };
}

/** Retrieval evaluation of a checkpoint beside a random-initialised encoder and a colour histogram. */
export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description(
      'retrieval evaluation (precision@k, place-proxy recall@k, collapse) beside random-init and histogram baselines, ' +
        `run on the ONNX export; with --current, exit status 0 = promote, ${EXIT_KEEP_CURRENT} = keep current`,
    )
    .requiredOption('--checkpoint <dir>', 'checkpoint to evaluate: a directory, a registry id or latest')
    .option('--labeled <dir>', 'labelled images, one folder per class (e.g. ../shared/data/labeled)')
    .option(
      '--mosaics <file[,file]>',
      'whole-globe EPSG:4326 mosaic images (width = 2 × height) for the held-out place proxy: ' +
        'the primary one, then optionally a second source for the cross-source task',
      mosaicsFlag,
    )
    .option('--tiles <dir>', 'a tile folder (e.g. the tile store) for the shifted-view proxy on its held-out tiles')
    .option(
      '--current <dir>',
      'the serving checkpoint (directory, registry id or latest): also print the promotion gate decision',
    )
    .option('--seed <n>', 'seed of the random-init baseline', intFlag(0, 2 ** 31 - 1), 1)
    .option(
      '--provider <p>',
      'cpu (default), webgpu or cuda (falls back to cpu when unavailable)',
      choiceFlag(['cpu', 'webgpu', 'cuda'] as const),
      'cpu',
    )
    .option('--json', 'print the reports as JSON')
    .action(async (flags: EvalFlags) => {
      const { config, log } = createContext(program.opts<GlobalOptions>());
      const registry = new FsModelRegistry({ root: config.model.registryDir });
      // loaded when the command runs, so that every other command starts without it
      const { runEval } = await import('../../../shared/model/eval/run/index.js');
      const result = await runEval({
        checkpointDir: await resolveCheckpointDir(flags.checkpoint, registry, '--checkpoint'),
        labeledDir: resolve(flags.labeled),
        mosaics: flags.mosaics,
        tilesDir: resolve(flags.tiles),
        currentDir:
          flags.current === undefined ? undefined : await resolveCheckpointDir(flags.current, registry, '--current'),
        randomSeed: flags.seed,
        executionProviders: flags.provider === 'cpu' ? ['cpu'] : [flags.provider, 'cpu'],
        log: log.child({ svc: 'eval' }),
      });
      process.stdout.write(
        flags.json ? `${JSON.stringify({ rows: result.rows, decision: result.decision })}\n` : `${result.table}\n`,
      );
      if (result.decision && !result.decision.promote) process.exitCode = EXIT_KEEP_CURRENT;
    });
}
