/**
 * `gibs-embed eval --checkpoint C [--labeled DIR] [--images DIR] [--tiles DIR] [--current C2]`: evaluates a checkpoint
 * beside its two baselines (the same architecture with random initial weights, and a colour histogram)
 * on the held-out sets, and, given the current checkpoint, says whether the gate would promote it.
 * Every encoder runs through tfjs on the same crops with the checkpoint's own normalisation.
 *
 * Kept apart from shared/model/eval's index because it loads tfjs, checkpoints and the training backend;
 * the metrics, sets and gate stay importable without them.
 */
import { ValidationError } from '../../../errors/index.js';
import { silentLogger, type Logger } from '../../../log/index.js';
import { loadCheckpoint } from '../../checkpoint/index.js';
import { buildEncoderGraph, initWeights } from '../../encoder/index.js';
import { createTfjsEncoder, type TfjsEncoder } from '../../../../services/trainer/tfjs/index.js';
import { initBackend, type BackendKind } from '../../../../services/trainer/train/index.js';
import {
  RasterCache, buildEvalSets, colourHistogramEmbed, compareReports, embedFnFromEncoder, evaluateEncoder, formatEvalTable,
  type EmbedFn, type EvalReport, type GateDecision, type GatePolicy, type NamedReport,
} from '../index.js';

export interface RunEvalOptions {
  checkpointDir: string;
  labeledDir?: string;
  /** data folder holding gibs/mosaic/ for the place proxy */
  imagesDir?: string;
  /** a tile folder (e.g. the tile store) for the tile shifted-view proxy; eval-side tiles only */
  tilesDir?: string;
  unlocatedTiles?: 'skip' | 'use';
  /** the serving checkpoint: when given, the gate's decision is part of the result */
  currentDir?: string;
  /** seed of the random-init baseline's weights (default 1) */
  randomSeed?: number;
  /** seed of the evaluation sets (default 1; keep it fixed) */
  setSeed?: number;
  ks?: number[];
  policy?: Partial<GatePolicy>;
  /** tfjs backend (default 'wasm') */
  backend?: BackendKind;
  log?: Logger;
}

export interface RunEvalResult {
  /** checkpoint, random-init and histogram (and current, when given), in that order */
  rows: NamedReport[];
  table: string;
  decision?: GateDecision;
}

type Loaded = { name: string; embed: EmbedFn; inputSize: number; dispose: () => void };

async function openCheckpoint(dir: string, name: string, randomSeed: number): Promise<{ model: Loaded; random: Loaded }> {
  const { meta, weights } = await loadCheckpoint(dir);
  const graph = buildEncoderGraph(meta.arch);
  const inputSize = meta.input_size;
  const wrap = (label: string, encoder: TfjsEncoder): Loaded => ({
    name: label,
    inputSize,
    embed: embedFnFromEncoder({ inputSize, embedTensor: (x, n) => encoder.embed(x, n, inputSize) }, meta.normalization),
    dispose: () => encoder.dispose(),
  });
  const model = wrap(name, createTfjsEncoder(graph, weights));
  try {
    return { model, random: wrap(`random-init(seed ${randomSeed})`, createTfjsEncoder(graph, initWeights(graph, randomSeed))) };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

export async function runEval(options: RunEvalOptions): Promise<RunEvalResult> {
  const log = options.log ?? silentLogger();
  if (options.labeledDir === undefined && options.imagesDir === undefined && options.tilesDir === undefined) {
    throw new ValidationError('eval needs at least one of --labeled DIR, --images DIR, --tiles DIR', { code: 'EVAL_EMPTY' });
  }
  const randomSeed = options.randomSeed ?? 1;
  await initBackend(options.backend ?? 'wasm');
  const cache = new RasterCache();
  const toDispose: Loaded[] = [];
  try {
    const { model, random } = await openCheckpoint(options.checkpointDir, 'checkpoint', randomSeed);
    toDispose.push(model, random);
    let current: Loaded | undefined;
    if (options.currentDir !== undefined) {
      current = (await openCheckpoint(options.currentDir, 'current', randomSeed)).model;
      toDispose.push(current);
    }
    // one set per input size (a current checkpoint may take another size); same places, same crops
    const setsBySize = new Map<number, ReturnType<typeof buildEvalSets>>();
    const setsFor = (inputSize: number) => {
      let sets = setsBySize.get(inputSize);
      if (!sets) {
        sets = buildEvalSets({
          inputSize, labeledDir: options.labeledDir, imagesDir: options.imagesDir, tilesDir: options.tilesDir,
          unlocatedTiles: options.unlocatedTiles, seed: options.setSeed, cache,
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
      decision = compareReports(rows[0].report, currentRow.report, options.policy);
    }
    let table = formatEvalTable(rows);
    if (decision) table += `\n\ngate: ${decision.promote ? 'PROMOTE' : 'keep current'}\n${decision.reasons.map((r) => `  - ${r}`).join('\n')}`;
    return { rows, table, decision };
  } finally {
    for (const l of toDispose) l.dispose();
    cache.clear();
  }
}
