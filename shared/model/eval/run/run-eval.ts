/**
 * `gibs-embed eval --checkpoint C [--labeled DIR] [--mosaics FILE[,FILE]] [--tiles DIR] [--current C2]`:
 * evaluates a checkpoint beside its two baselines (the same architecture with seeded initial weights, and a
 * colour histogram) on the evaluation sets configuration names, and, given the current checkpoint, says
 * whether the gate would promote it.
 *
 * Every encoder is exported to ONNX (prepareModel) and run by onnxruntime-node, the runtime that serves
 * the index: the gate judges exactly what the embedders will compute, whichever backend trained the
 * checkpoint (tfjs, PyTorch DDP), and evaluation never loads training code. Each encoder gets the same
 * crops with its own checkpoint's normalisation.
 *
 * Kept apart from shared/model/eval's index because it loads onnxruntime-node and checkpoints; the
 * metrics, sets and gate stay importable (e.g. by training worker threads) without them.
 */
import { ValidationError } from '../../../errors/index.js';
import { silentLogger, type Logger } from '../../../log/index.js';
import {
  createOrtEncoder,
  prepareModel,
  type ExecutionProviderName,
  type PrepareModelOptions,
  type PreparedModel,
} from '../../infer/index.js';
import {
  RasterCache,
  buildEvalSets,
  colourHistogramEmbed,
  compareReports,
  defaultGatePolicy,
  embedFnFromEncoder,
  evaluateEncoder,
  formatEvalTable,
  type EmbedFn,
  type EvalReport,
  type EvalSets,
  type GateDecision,
  type GateMetric,
  type GatePolicy,
  type NamedReport,
  type PlaceProxyMosaics,
  evalErrorCodes,
} from '../index.js';

export interface RunEvalOptions {
  checkpointDir: string;
  /** labelled images: `<dir>/<class>/<image>` */
  labeledDir?: string;
  /** whole-globe EPSG:4326 mosaics for the held-out place proxy (see place-proxy-set.ts) */
  mosaics?: PlaceProxyMosaics;
  /** a tile folder (e.g. the tile store) for the shifted-view proxy; only its held-out places are used */
  tilesDir?: string;
  unlocatedTiles?: 'skip' | 'use';
  /** the serving checkpoint: when given, the gate's decision is part of the result */
  currentDir?: string;
  /** seed of the random-init baseline's weights (default 1) */
  randomSeed?: number;
  /** seed of the evaluation sets (default 1; keep it fixed) */
  setSeed?: number;
  ks?: number[];
  /** default: defaultGatePolicy, its primary metric replaced by one of the sets given (see gatePrimary) */
  policy?: Partial<GatePolicy>;
  /** ONNX Runtime execution providers, tried in order (default ['cpu']; cpu always ends the list) */
  executionProviders?: ExecutionProviderName[];
  /** ORT intra-op threads (default: ORT's choice) */
  intraOpThreads?: number;
  log?: Logger;
}

export interface RunEvalResult {
  /** checkpoint, random-init and histogram (and current, when given), in that order */
  rows: NamedReport[];
  table: string;
  decision?: GateDecision;
}

/**
 * The gate's primary metric when the policy names none: the place proxy's shifted-view recall (the
 * default policy's) when mosaics are given, else the tile proxy's, else labeled precision, so that a gate
 * asked for on the sets at hand never refuses for a metric it was not given the data for.
 */
export function gatePrimary(options: Pick<RunEvalOptions, 'mosaics' | 'tilesDir' | 'policy'>): GateMetric {
  if (options.policy?.primary) return options.policy.primary;
  const { k } = defaultGatePolicy.primary;
  if (options.mosaics !== undefined) return { task: 'shifted', k };
  return options.tilesDir !== undefined ? { task: 'tiles', k } : { task: 'labeled', k };
}

type Opened = { name: string; prepared: PreparedModel; embed: EmbedFn; inputSize: number; close: () => Promise<void> };

export async function runEval(options: RunEvalOptions): Promise<RunEvalResult> {
  const log = options.log ?? silentLogger();
  if (options.labeledDir === undefined && options.mosaics === undefined && options.tilesDir === undefined) {
    throw new ValidationError('eval needs at least one of --labeled DIR, --mosaics FILE[,FILE], --tiles DIR', {
      code: evalErrorCodes.empty,
    });
  }
  const randomSeed = options.randomSeed ?? 1;
  const ortOptions = { executionProviders: options.executionProviders, intraOpThreads: options.intraOpThreads, log };
  const opened: Opened[] = [];
  /** checkpoint dir or 'random' → an ORT session over its export; closed in the finally below */
  const open = async (name: string, prepare: PrepareModelOptions): Promise<Opened> => {
    const prepared = await prepareModel(prepare);
    const encoder = await createOrtEncoder(prepared.onnx, ortOptions);
    const entry = {
      name,
      prepared,
      inputSize: prepared.inputSize,
      embed: embedFnFromEncoder(encoder, prepared.stats),
      close: () => encoder.close(),
    };
    opened.push(entry);
    return entry;
  };
  const cache = new RasterCache();
  try {
    const model = await open('checkpoint', { checkpoint: options.checkpointDir });
    // the baseline: the checkpoint's own architecture, size and normalisation with seeded initial weights
    const random = await open(`random-init(seed ${randomSeed})`, {
      checkpoint: 'random',
      seed: randomSeed,
      arch: model.prepared.arch,
      inputSize: model.inputSize,
      stats: model.prepared.stats,
    });
    const current =
      options.currentDir === undefined ? undefined : await open('current', { checkpoint: options.currentDir });

    // one set per input size (a current checkpoint may take another size); same places, same crops
    const setsBySize = new Map<number, Promise<EvalSets>>();
    const setsFor = (inputSize: number) => {
      let sets = setsBySize.get(inputSize);
      if (!sets) {
        sets = buildEvalSets({
          inputSize,
          labeledDir: options.labeledDir,
          mosaics: options.mosaics,
          tilesDir: options.tilesDir,
          unlocatedTiles: options.unlocatedTiles,
          seed: options.setSeed,
          cache,
        });
        setsBySize.set(inputSize, sets);
      }
      return sets;
    };
    const evaluate = async (name: string, embed: EmbedFn, inputSize: number): Promise<NamedReport> => {
      const report: EvalReport = await evaluateEncoder(embed, await setsFor(inputSize), { ks: options.ks });
      log.info({ encoder: name, seconds: report.seconds }, 'evaluated');
      return { name, report };
    };
    const rows: NamedReport[] = [
      await evaluate(model.name, model.embed, model.inputSize),
      await evaluate(random.name, random.embed, random.inputSize),
      await evaluate('colour histogram', colourHistogramEmbed(), model.inputSize),
    ];
    let decision: GateDecision | undefined;
    if (current) {
      const currentRow = await evaluate(current.name, current.embed, current.inputSize);
      rows.push(currentRow);
      decision = compareReports(rows[0].report, currentRow.report, {
        ...options.policy,
        primary: gatePrimary(options),
      });
    }
    let table = formatEvalTable(rows);
    if (decision)
      table += `\n\ngate: ${decision.promote ? 'PROMOTE' : 'keep current'}\n${decision.reasons.map((r) => `  - ${r}`).join('\n')}`;
    return { rows, table, decision };
  } finally {
    // every session is released even when one fails; the first failure is what the caller sees
    const closing = await Promise.allSettled(opened.map((o) => o.close()));
    cache.clear();
    const failed = closing.find((c): c is PromiseRejectedResult => c.status === 'rejected');
    if (failed) log.warn({ err: String(failed.reason) }, 'closing an onnxruntime session failed');
  }
}
