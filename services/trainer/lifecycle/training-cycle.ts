import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore } from '../../../shared/blob/index.js';
import type { Bus } from '../../../shared/bus/index.js';
import type { TrainerConfig } from '../../../shared/config/index.js';
import { AppError, describeError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/log/index.js';
import { addCheckpointFiles, type CheckpointMeta } from '../../../shared/model/checkpoint/index.js';
import type { GateDecision } from '../../../shared/model/eval/index.js';
import { gatePrimary, runEval } from '../../../shared/model/eval/run/index.js';
import {
  GATE_FILE,
  encodeGateRecord,
  gateRecord,
  promoteAndAnnounce,
  registryErrorCodes,
  type GateRecord,
  type ModelRegistry,
} from '../../../shared/model/registry/index.js';
import type { TorchDevice } from '../torch-backend/index.js';
import type { BackendKind } from '../train/index.js';
import type { TrainRunOptions, TrainRunResult } from '../train-run.js';
import { lifecycleErrorCodes } from './lifecycle-errors.js';
import { sampleWindowTiles } from './tile-sample.js';
import { tileSampleView } from './tile-sample-view.js';

/** Trains one candidate checkpoint (runTraining: tfjs in this process; another backend fits the same shape). */
export type TrainFn = (
  options: TrainRunOptions,
  hooks: { log: Logger; signal?: AbortSignal },
) => Promise<TrainRunResult>;

/** The registry calls a run makes; `checkpointDir` hands the stored files to the evaluation. */
export type CycleRegistry = Pick<ModelRegistry, 'latest' | 'publish' | 'promote' | 'pointer'> & {
  checkpointDir(id: string): Promise<string>;
};

export interface TrainingCycleDeps {
  registry: CycleRegistry;
  /** the tile store: the run samples it, the gate evaluates on its held-out places (`tilesDir`) */
  blobs: BlobStore;
  /** promotions are announced on its `models` topic (ensured by the caller) */
  bus: Bus;
  log: Logger;
  train: TrainFn;
  /** the serving checkpoint when none is promoted yet (a seeded random-initialised one, registered and promoted) */
  ensureServing: () => Promise<CheckpointMeta>;
  /** the clock that places the window (default: the system's) */
  now?: () => Date;
}

export type TrainingCycleConfig = Pick<
  TrainerConfig,
  | 'windowDays'
  | 'sampleSize'
  | 'minTiles'
  | 'technique'
  | 'steps'
  | 'batchSize'
  | 'workers'
  | 'promotionMargin'
  | 'seed'
> & {
  /** the tile store's folder of tiles (the blob store's `tiles/`): the gate's held-out places, when it holds any */
  tilesDir: string;
  /** labelled images for the gate's precision@k, when configured */
  labeledDir?: string;
  /** where a candidate is written before the registry takes it; each run uses (and removes) its own folder */
  workDir: string;
  /** default 'wasm' */
  backend?: BackendKind;
  /** torch backend: cpu or cuda (default cpu) */
  device?: TorchDevice;
  /** torch backend: the Python with torch (default /usr/bin/python3) */
  python?: string;
};

/**
 * promoted: the gate promoted the candidate and `latest` moved; kept: registered, not promoted (the gate's
 * reasons, or `latest` moved meanwhile); skipped: too few tiles; aborted: stopped through the signal.
 */
export type CycleOutcome = 'promoted' | 'kept' | 'skipped' | 'aborted';

export interface CycleResult {
  outcome: CycleOutcome;
  /** why it was skipped, kept or aborted */
  reason?: string;
  /** the checkpoint that served when the run started */
  serving?: string;
  /** the registered candidate (undefined when none was registered) */
  candidate?: CheckpointMeta;
  decision?: GateDecision;
  gate?: GateRecord;
  /** true when a promotion is on the `models` topic (false: `latest` moved but the bus refused the message) */
  announced?: boolean;
}

/** each run writes under `<workDir>/run-<random>/` and removes it when it ends */
export const RUN_FOLDER_PREFIX = 'run-';

/** NT-Xent temperature of the fine-tuning runs (DESIGN.md "Model"). */
const TEMPERATURE = 0.1;
/** the tile proxy's minimum: a retrieval needs a query and one other item */
const MIN_HELD_OUT_TILES = 2;

/**
 * One run of the trainer's lifecycle: sample the window of the tile store, fine-tune the serving checkpoint
 * on it, register the candidate (never promote it directly), evaluate it against the serving checkpoint
 * on the store's held-out places, record the gate's verdict in the candidate (gate.json), and promote and
 * announce it only when the gate says so. Failures throw; what is registered stays registered.
 */
export async function runTrainingCycle(
  deps: TrainingCycleDeps,
  config: TrainingCycleConfig,
  signal: AbortSignal,
): Promise<CycleResult> {
  const { registry, log } = deps;
  const now = deps.now?.() ?? new Date();
  const sample = await sampleWindowTiles(deps.blobs, {
    windowDays: config.windowDays,
    sampleSize: config.sampleSize,
    seed: config.seed,
    now,
  });
  const skip = (reason: string): CycleResult => {
    log.info(
      { tiles: sample.population, minTiles: config.minTiles, heldOut: sample.heldOut, window: sample.window },
      `trainer run skipped: ${reason}`,
    );
    return { outcome: 'skipped', reason };
  };
  if (sample.population < config.minTiles) {
    const dated = sample.window ? `dated ${sample.window.from}..${sample.window.to}` : 'in the store';
    return skip(`${sample.population} trainable tiles ${dated}, fewer than trainer.minTiles = ${config.minTiles}`);
  }
  // the tile proxy needs tiles wholly in held-out cells (level ≥ 5); without them the gate uses the labelled set
  const tilesDir = sample.heldOut >= MIN_HELD_OUT_TILES ? config.tilesDir : undefined;
  if (tilesDir === undefined && config.labeledDir === undefined)
    return skip(
      `the gate has nothing to evaluate on: ${sample.heldOut} tiles of the store lie wholly in held-out cells ` +
        `(harvest level ≥ 5 tiles, or set trainer.labeledDir), so no candidate could ever be promoted`,
    );
  const serving = (await registry.latest()) ?? (await deps.ensureServing());
  const servingDir = await registry.checkpointDir(serving.id);
  log.info(
    { serving: serving.id, tiles: sample.keys.length, population: sample.population, window: sample.window },
    'trainer run started',
  );

  await mkdir(config.workDir, { recursive: true });
  const runDir = await mkdtemp(path.join(config.workDir, RUN_FOLDER_PREFIX));
  const aborted = (reason: string, candidate?: CheckpointMeta): CycleResult => {
    log.warn({ serving: serving.id, candidate: candidate?.id }, `trainer run aborted: ${reason}`);
    return { outcome: 'aborted', reason, serving: serving.id, candidate };
  };
  try {
    let run: TrainRunResult;
    try {
      run = await deps.train(
        {
          source: { kind: 'store', blobs: tileSampleView(deps.blobs, sample.keys) },
          out: path.join(runDir, 'candidate'),
          technique: config.technique,
          arch: serving.arch, // the serving checkpoint brings its own; named for completeness
          epochs: 1, // `steps` decides the length
          steps: config.steps,
          batchSize: config.batchSize,
          workers: config.workers,
          seed: sample.seed,
          temperature: TEMPERATURE,
          backend: config.backend ?? 'wasm',
          device: config.device,
          python: config.python,
          init: servingDir,
        },
        { log, signal },
      );
    } catch (error) {
      // stopped before the first step: runTraining refuses to write an empty run, which is no failure here
      if (signal.aborted) return aborted(`stopped before training began (${describeError(error)})`);
      throw error;
    }
    // a partial checkpoint is never registered
    if (run.result.aborted || signal.aborted)
      return aborted(
        `stopped after ${run.result.history.length} of ${config.steps} steps; the partial checkpoint is discarded`,
      );

    const candidate = await registry.publish(run.dir);
    log.info({ candidate: candidate.id, parent: serving.id, metrics: candidate.metrics }, 'candidate registered');

    const { decision, gate, recorded } = await judgeCandidate(deps, config, {
      checkpointDir: run.dir,
      candidate,
      serving,
      servingDir,
      tilesDir,
    });
    const result = { serving: serving.id, candidate: recorded, decision, gate };

    if (!decision.promote) {
      const reason = `the gate keeps ${serving.id}: ${decision.reasons.join('; ')}`;
      log.info({ candidate: recorded.id, reasons: decision.reasons }, `candidate kept unpromoted: ${reason}`);
      return { outcome: 'kept', reason, ...result };
    }
    if (signal.aborted) return aborted('stopped before the promotion', recorded);
    const latest = await registry.latest();
    if (latest?.id !== serving.id) {
      const reason = `latest moved to ${latest?.id ?? 'nothing'} during the run; the gate compared with ${serving.id}`;
      log.warn({ candidate: recorded.id }, `candidate kept unpromoted: ${reason}`);
      return { outcome: 'kept', reason, ...result };
    }
    let announced = true;
    try {
      await promoteAndAnnounce({ registry, bus: deps.bus }, recorded.id, 'gate', gate.candidate);
    } catch (error) {
      if (!(error instanceof AppError && error.code === registryErrorCodes.announceFailed)) throw error;
      // promoted all the same: embedders watch the registry too
      announced = false;
      log.error({ err: error, candidate: recorded.id }, describeError(error));
    }
    log.info({ candidate: recorded.id, previous: serving.id, metrics: gate.candidate }, 'candidate promoted');
    return { outcome: 'promoted', announced, ...result };
  } finally {
    await rm(runDir, { recursive: true, force: true }).catch((error: unknown) =>
      log.warn({ err: error, dir: runDir }, 'could not remove the run folder'),
    );
  }
}

/**
 * The gate: evaluates the registered candidate beside the serving checkpoint on the same sets, and records
 * the verdict in the candidate (gate.json added to its files, then published again: the registry adds it).
 */
async function judgeCandidate(
  deps: TrainingCycleDeps,
  config: TrainingCycleConfig,
  run: {
    checkpointDir: string;
    candidate: CheckpointMeta;
    serving: CheckpointMeta;
    servingDir: string;
    tilesDir?: string;
  },
): Promise<{ decision: GateDecision; gate: GateRecord; recorded: CheckpointMeta }> {
  const primary = gatePrimary({ tilesDir: run.tilesDir });
  const evaluation = await runEval({
    checkpointDir: await deps.registry.checkpointDir(run.candidate.id),
    currentDir: run.servingDir,
    tilesDir: run.tilesDir,
    labeledDir: config.labeledDir,
    policy: { primary, minImprovement: config.promotionMargin },
    log: deps.log,
  });
  const decision = evaluation.decision;
  const current = evaluation.rows.find((r) => r.name === 'current');
  if (!decision || !current)
    throw new AppError(lifecycleErrorCodes.noGateDecision, 'the evaluation returned no gate decision', {
      retriable: false,
    });
  const gate = gateRecord({
    serving: run.serving.id,
    primary,
    promotionMargin: config.promotionMargin,
    decision,
    candidate: evaluation.rows[0].report,
    current: current.report,
    now: deps.now?.() ?? new Date(),
  });
  await addCheckpointFiles(run.checkpointDir, { [GATE_FILE]: encodeGateRecord(gate) });
  return { decision, gate, recorded: await deps.registry.publish(run.checkpointDir) };
}
