import path from 'node:path';
import { availableParallelism } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import { createBlobStore } from '../../../shared/blob/index.js';
import { blobStoreOptions } from '../../../shared/config/index.js';
import { resnet18Half, smallCnn, type EncoderArch } from '../../../shared/model/encoder/index.js';
import { FsModelRegistry, resolveCheckpointDir } from '../../../shared/model/registry/index.js';
import type { TrainingSource } from '../../trainer/index.js';
import type { TileSample } from '../../trainer/main.js';
import { createContext, type GlobalOptions } from '../context.js';
import { choiceFlag, intFlag, numberFlag } from '../flags.js';
import { createProgress } from '../progress.js';
import { untilSignal } from '../shutdown.js';

interface TrainFlags {
  data?: string;
  fromStore?: boolean;
  technique: 'simclr' | 'simsiam';
  epochs: number;
  steps?: number;
  batch: number;
  workers: number;
  arch: EncoderArch;
  inputSize?: number;
  lr?: number;
  temperature: number;
  seed: number;
  init?: string;
  resume?: boolean;
  out?: string;
  maxImages?: number;
  windowDays?: number;
  sample?: number;
  backend: 'wasm' | 'cpu' | 'webgpu' | 'torch';
  device: 'cpu' | 'cuda';
}

const archFlag = (value: string): EncoderArch => {
  const archs: Record<string, EncoderArch> = {
    'resnet18-half': resnet18Half,
    resnet18: { ...resnet18Half, width: 64 },
    small: smallCnn,
  };
  const arch = archs[value];
  if (!arch) throw new InvalidArgumentError(`expected one of ${Object.keys(archs).join(', ')}, got "${value}"`);
  return arch;
};

/** Self-supervised training of the encoder, written as an immutable checkpoint (weights, ONNX, metadata, log). */
export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train the encoder (SimCLR/SimSiam) on a folder of images or on the harvested tile store')
    .option('--data <dir>', 'every JPEG/PNG under DIR (recursively); large scenes are cut into 512 px tiles')
    .option('--from-store', "train on the tile store (tiles in the evaluation's held-out cells are left out)")
    .option('--technique <t>', 'simclr or simsiam', choiceFlag(['simclr', 'simsiam'] as const), 'simclr')
    .option('--epochs <n>', 'passes over the data', intFlag(1, 100_000), 10)
    .option('--steps <n>', 'stop after this many steps in total', intFlag(1, 10_000_000))
    .option('--batch <n>', 'pairs per step over all workers', intFlag(2, 4096), 64)
    .option(
      '--workers <n>',
      'data-parallel worker threads',
      intFlag(1, 64),
      Math.max(1, Math.min(2, availableParallelism())),
    )
    .option('--arch <name>', 'resnet18-half (default), resnet18 or small', archFlag, resnet18Half)
    .option(
      '--input-size <px>',
      "side of the encoder input (default: the --init checkpoint's, else model.inputSize = 128)",
      intFlag(16, 512),
    )
    .option('--lr <rate>', 'peak learning rate (default 0.05 × batch / 256)', numberFlag(1e-7, 10))
    .option('--temperature <t>', 'NT-Xent temperature (SimCLR)', numberFlag(0.01, 10), 0.1)
    .option('--seed <n>', 'seed of initialisation, data order and augmentations', intFlag(0, 2 ** 31 - 1), 0)
    .option(
      '--init <checkpoint>',
      'start from this checkpoint (a directory, a registry id or latest; fine-tune); it becomes the parent',
    )
    .option('--resume', "continue the --init checkpoint's run (schedule position and optimiser state)")
    .option(
      '--out <dir>',
      'checkpoint directory to write (default DATA_DIR/checkpoints/train-<time>); it is also registered in model.registryDir',
    )
    .option('--max-images <n>', 'use at most this many images', intFlag(2, 10_000_000))
    .option(
      '--window-days <n>',
      'with --from-store: only tiles dated in the last N days, today (UTC) included',
      intFlag(1, 36_500),
    )
    .option(
      '--sample <n>',
      'with --from-store: a random sample of at most N tiles (seeded by --seed and the day)',
      intFlag(2, 1_000_000),
    )
    .option(
      '--backend <b>',
      'wasm (default), cpu, webgpu (tfjs) or torch (PyTorch ranks under trainer.python; --workers = processes)',
      choiceFlag(['wasm', 'cpu', 'webgpu', 'torch'] as const),
      'wasm',
    )
    .option('--device <d>', 'with --backend torch: cpu (default) or cuda', choiceFlag(['cpu', 'cuda'] as const), 'cpu')
    .action(async (flags: TrainFlags) => {
      if (flags.device !== 'cpu' && flags.backend !== 'torch')
        throw new InvalidArgumentError('--device selects where --backend torch runs: add --backend torch');
      if (Boolean(flags.data) === Boolean(flags.fromStore))
        throw new InvalidArgumentError('give exactly one of --data DIR or --from-store');
      const sampled = flags.windowDays !== undefined || flags.sample !== undefined;
      if (sampled && !flags.fromStore)
        throw new InvalidArgumentError('--window-days and --sample select tiles of the tile store: add --from-store');
      const { config, log } = createContext(program.opts<GlobalOptions>(), {}, { writesData: true });
      const registry = new FsModelRegistry({
        root: config.model.registryDir,
        log: log.child({ svc: 'model-registry' }),
      });
      const init = flags.init === undefined ? undefined : await resolveCheckpointDir(flags.init, registry, '--init');
      const blobs = flags.fromStore ? createBlobStore(blobStoreOptions(config)) : undefined;
      let source: TrainingSource = blobs ? { kind: 'store', blobs } : { kind: 'dir', dir: path.resolve(flags.data!) };
      let sample: TileSample | undefined;
      if (blobs && sampled) {
        // the same selection a scheduled trainer run makes (services/trainer/lifecycle/tile-sample.ts)
        const { sampledStoreSource } = await import('../../trainer/main.js');
        ({ source, sample } = await sampledStoreSource(blobs, {
          windowDays: flags.windowDays,
          sampleSize: flags.sample,
          seed: flags.seed,
          now: new Date(),
        }));
        log.info({ tiles: sample.keys.length, population: sample.population, window: sample.window }, 'tile sample');
      }
      const out =
        flags.out ??
        path.join(config.dataDir, 'checkpoints', `train-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}`);
      const shutdown = untilSignal(log);
      const { signal } = shutdown;
      const progress = createProgress(
        ' {bar} {value}/{total} steps | loss {loss} | collapse {collapse} | {ips} img/s | ETA {eta_formatted}',
      );
      try {
        // loaded when the command runs, so that every other command starts without it (tfjs)
        const { runTraining } = await import('../../trainer/index.js');
        const training = runTraining(
          {
            source,
            out,
            technique: flags.technique,
            arch: flags.arch,
            inputSize: flags.inputSize ?? (flags.init ? undefined : config.model.inputSize),
            epochs: flags.epochs,
            steps: flags.steps,
            batchSize: flags.batch,
            workers: flags.workers,
            seed: flags.seed,
            lr: flags.lr,
            temperature: flags.temperature,
            backend: flags.backend,
            device: flags.device,
            python: config.trainer.python,
            init,
            resume: flags.resume,
            maxImages: flags.maxImages,
          },
          {
            log: log.child({ svc: 'trainer' }),
            signal,
            onStep: (s) => {
              // steps left = ETA × steps/s; the trainer reports images/s over `batch` pairs per step
              const remaining = Math.round((s.etaSeconds * s.imagesPerSecond) / flags.batch);
              progress.update(s.step + 1, s.step + 1 + (Number.isFinite(remaining) ? remaining : 0), {
                loss: s.loss.toFixed(4),
                collapse: s.collapseStd.toFixed(4),
                ips: s.imagesPerSecond.toFixed(1),
              });
              if (!process.stderr.isTTY && s.step % 10 === 0)
                log.info(
                  {
                    step: s.step,
                    epoch: s.epoch,
                    loss: s.loss,
                    collapseStd: s.collapseStd,
                    imagesPerSecond: s.imagesPerSecond,
                    etaSeconds: s.etaSeconds,
                  },
                  'train step',
                );
            },
          },
        );
        const run = await training.catch((error: unknown) => {
          // a torch run stopped by the signal wrote nothing (its ranks are killed): an interruption, not a failure
          if (flags.backend !== 'torch' || !signal.aborted) throw error;
          log.warn({ err: error }, 'training stopped before it finished: no checkpoint was written');
          return undefined;
        });
        if (!run) return shutdown.setExitStatus();
        // a finished run is registered, not promoted (the evaluation gate decides what serves); an interrupted
        // one never registers: it stays in --out, where `--init DIR --resume` continues it
        const registered = !run.result.aborted;
        if (registered) await registry.publish(run.dir);
        const { id, metrics, data_window } = run.meta;
        const summary = {
          checkpoint: run.dir,
          id,
          registry: registered ? registry.root : null,
          metrics,
          data_window,
          ...(sample && {
            sample: { tiles: sample.keys.length, population: sample.population, window: sample.window },
          }),
        };
        process.stdout.write(`${JSON.stringify(summary)}\n`);
      } finally {
        progress.stop();
        await blobs?.close();
        await registry.close();
      }
      shutdown.setExitStatus();
    });
}
