import { InvalidArgumentError, type Command } from 'commander';
import { createBus, type Bus } from '../../../shared/bus/index.js';
import { busOptions, type Config } from '../../../shared/config/index.js';
import { AppError, describeError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/log/index.js';
import type { CheckpointMeta } from '../../../shared/model/checkpoint/index.js';
import {
  FsModelRegistry,
  GATE_FILE,
  MODELS_TOPIC,
  parseGateRecord,
  promoteAndAnnounce,
  resolveCheckpointDir,
  rollbackAndAnnounce,
  type GateRecord,
  type LatestPointer,
} from '../../../shared/model/registry/index.js';
import { createContext, type GlobalOptions } from '../context.js';

interface JsonFlag {
  json?: boolean;
}

/** One checkpoint as `models list` shows it. */
interface ModelRow {
  id: string;
  latest: boolean;
  technique: CheckpointMeta['technique'];
  created_at: string;
  parent: string | null;
  data_window: CheckpointMeta['data_window'];
  /** what training recorded (loss, collapse, steps, ...) */
  metrics: Record<string, number>;
  /** the evaluation gate's verdict, for checkpoints the trainer evaluated */
  gate: GateRecord | null;
  /** why `gate` is null although the checkpoint lists a gate.json */
  gate_problem?: string;
}

/** `gibs-embed models [list | promote CHECKPOINT | rollback]`: the model registry by hand. */
export function registerModelsCommand(program: Command): void {
  const models = program
    .command('models')
    .description('the model registry: list its checkpoints, promote one, or roll `latest` back (default: list)');

  models
    .command('list', { isDefault: true })
    .description('every checkpoint, oldest first: technique, creation, parent, data window, gate metrics; * = latest')
    .option('--json', 'print { latest, checkpoints } as JSON')
    // as the default subcommand, `models WORD` lands here: say which subcommands exist instead of "too many arguments"
    .allowExcessArguments(true)
    .action(async (flags: JsonFlag, command: Command) => {
      if (command.args.length > 0)
        throw new InvalidArgumentError(
          `unknown models subcommand "${command.args[0]}": expected list, promote CHECKPOINT or rollback`,
        );
      const { config, log } = createContext(program.opts<GlobalOptions>());
      const registry = openRegistry(config, log);
      try {
        const [metas, pointer] = await Promise.all([registry.list(), registry.pointer()]);
        const rows: ModelRow[] = [];
        for (const meta of metas) rows.push(await modelRow(registry, meta, pointer, log));
        process.stdout.write(
          flags.json
            ? `${JSON.stringify({ latest: pointer ?? null, checkpoints: rows })}\n`
            : formatList(rows, registry),
        );
      } finally {
        await registry.close();
      }
    });

  models
    .command('promote <checkpoint>')
    .description(
      'make a checkpoint (a registry id, a checkpoint directory, which is registered first, or latest) the serving one: ' +
        'verified in full, then `latest` moves and the move is announced on the models topic',
    )
    .option('--json', 'print { id, promoted, announcement } as JSON')
    .action(async (ref: string, flags: JsonFlag) => {
      await withRegistryAndBus(program, async (registry, bus) => {
        const stored = await registry.publish(await resolveCheckpointDir(ref, registry, 'checkpoint'));
        const { message } = await promoteAndAnnounce({ registry, bus }, stored.id, 'manual');
        const text = message
          ? `promoted ${stored.id} (it replaces ${message.previous ?? 'nothing'}); announced on the models topic\n`
          : `${stored.id} is already latest; nothing moved\n`;
        const json = { id: stored.id, promoted: message !== undefined, announcement: message ?? null };
        process.stdout.write(flags.json ? `${JSON.stringify(json)}\n` : text);
      });
    });

  models
    .command('rollback')
    .description('move `latest` back to the checkpoint that served before it (verified in full); announced on models')
    .option('--json', 'print { id, from, announcement } as JSON')
    .action(async (flags: JsonFlag) => {
      await withRegistryAndBus(program, async (registry, bus) => {
        const { meta, message } = await rollbackAndAnnounce({ registry, bus });
        const text = `rolled back from ${message.previous} to ${meta.id}; announced on the models topic\n`;
        const json = { id: meta.id, from: message.previous, announcement: message };
        process.stdout.write(flags.json ? `${JSON.stringify(json)}\n` : text);
      });
    });
}

function openRegistry(config: Config, log: Logger): FsModelRegistry {
  return new FsModelRegistry({ root: config.model.registryDir, log: log.child({ svc: 'model-registry' }) });
}

/** The registry and the bus a move of `latest` needs, closed whatever happens. */
async function withRegistryAndBus(
  program: Command,
  work: (registry: FsModelRegistry, bus: Bus) => Promise<void>,
): Promise<void> {
  const { config, log } = createContext(program.opts<GlobalOptions>(), {}, { writesData: true });
  const registry = openRegistry(config, log);
  try {
    const bus = await createBus(busOptions(config), { logger: log.child({ svc: 'bus' }) });
    try {
      await bus.ensureTopics([MODELS_TOPIC]);
      await work(registry, bus);
    } finally {
      await bus.close();
    }
  } finally {
    await registry.close();
  }
}

async function modelRow(
  registry: FsModelRegistry,
  meta: CheckpointMeta,
  pointer: LatestPointer | undefined,
  log: Logger,
): Promise<ModelRow> {
  const row: ModelRow = {
    id: meta.id,
    latest: pointer?.id === meta.id,
    technique: meta.technique,
    created_at: meta.created_at,
    parent: meta.parent,
    data_window: meta.data_window,
    metrics: meta.metrics,
    gate: null,
  };
  if (!meta.files[GATE_FILE]) return row;
  try {
    row.gate = parseGateRecord(await registry.readFile(meta.id, GATE_FILE), meta.id);
  } catch (error) {
    // one damaged record must not hide the others: the listing goes on and says which one
    if (!(error instanceof AppError)) throw error;
    row.gate_problem = describeError(error);
    log.warn({ err: error, id: meta.id }, `models list: ${GATE_FILE} of ${meta.id} left out`);
  }
  return row;
}

const fmt = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(4));

function gateSummary(row: ModelRow): string {
  if (row.gate_problem) return `(damaged ${GATE_FILE})`;
  const gate = row.gate;
  if (!gate) return '-';
  const verdict = gate.promote ? 'promote' : 'keep';
  return `${gate.primary_key} ${fmt(gate.candidate[gate.primary_key])} vs ${fmt(gate.serving_metrics[gate.primary_key])}: ${verdict}`;
}

function formatList(rows: ModelRow[], registry: FsModelRegistry): string {
  if (rows.length === 0) return `no checkpoints in ${registry.root}\n`;
  const table = [
    ['', 'ID', 'TECHNIQUE', 'CREATED', 'PARENT', 'DATA WINDOW', 'LOSS', 'GATE'],
    ...rows.map((r) => [
      r.latest ? '*' : '',
      r.id,
      r.technique,
      r.created_at.slice(0, 16).replace('T', ' '),
      r.parent ?? '-',
      `${r.data_window.from}..${r.data_window.to} (${r.data_window.images} images)`,
      fmt(r.metrics.final_loss),
      gateSummary(r),
    ]),
  ];
  const widths = table[0].map((_, c) => Math.max(...table.map((line) => line[c].length)));
  return `${table
    .map((line) =>
      line
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
