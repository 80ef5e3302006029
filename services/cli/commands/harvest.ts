import type { Command } from 'commander';
import type { HarvestSummary } from '../../harvester/index.js';
import { createContext, type GlobalOptions } from '../context.js';
import { EXIT_FAILED } from '../exit-codes.js';
import { bboxFlag, dateFlag, intFlag } from '../flags.js';
import { createProgress } from '../progress.js';
import { untilSignal } from '../shutdown.js';

interface HarvestFlags {
  layer: string;
  from: string;
  to?: string;
  level: number[];
  tms?: string;
  bbox?: [number, number, number, number];
  baseUrl?: string;
  json?: boolean;
}

const collectLevels = (value: string, previous: number[] = []) => [
  ...previous,
  ...value.split(',').map(intFlag(0, 12)),
];

/** Backfill: harvest a layer over a date range now, resuming where an earlier run stopped. */
export function registerHarvestCommand(program: Command): void {
  program
    .command('harvest')
    .description('harvest a layer over a date range now (backfill); reruns fetch only what changed')
    .requiredOption('--layer <id>', 'GIBS layer identifier, e.g. MODIS_Terra_CorrectedReflectance_TrueColor')
    .requiredOption('--from <date>', 'first date, YYYY-MM-DD', dateFlag)
    .option('--to <date>', 'last date, YYYY-MM-DD (default: --from)', dateFlag)
    .requiredOption('--level <z>', 'tile matrix level(s): 2 or 2,3 (repeatable)', collectLevels)
    .option('--tms <id>', "TileMatrixSet, e.g. 250m (default: the layer's first)")
    .option('--bbox <minLon,minLat,maxLon,maxLat>', 'area of interest (default: the whole world)', bboxFlag)
    .option('--base-url <url>', 'GIBS endpoint (also GIBS_BASE_URL), e.g. a replay server')
    .option('--json', 'print the summary as JSON on stdout')
    .action(async (flags: HarvestFlags) => {
      const ctx = createContext(program.opts<GlobalOptions>(), { 'gibs.baseUrl': flags.baseUrl }, { writesData: true });
      const shutdown = untilSignal(ctx.log);
      const { signal } = shutdown;
      // loaded when the command runs, so that every other command starts without it
      const { openHarvesterService } = await import('../../harvester/main.js');
      const service = await openHarvesterService(ctx.config, ctx.log, ctx.registry);
      const progress = createProgress(
        ' {bar} {percentage}% | {value}/{total} tiles | fetched {fetched} blank {blank} unchanged {unchanged} failed {failed} | ETA {eta_formatted}',
      );
      let summary: HarvestSummary;
      try {
        summary = await service.harvester.harvest(
          {
            layer: flags.layer,
            from: flags.from,
            to: flags.to ?? flags.from,
            levels: flags.level,
            tms: flags.tms,
            bbox: flags.bbox,
          },
          {
            signal,
            onProgress: (p) =>
              progress.update(p.done, p.total, {
                fetched: p.fetched,
                blank: p.blank,
                unchanged: p.unchanged,
                failed: p.failed,
              }),
          },
        );
      } finally {
        progress.stop();
        await service.close();
      }
      process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
      if (summary.failed > 0 || summary.interrupted) process.exitCode = EXIT_FAILED;
      // Ctrl-C / SIGTERM: the tiles in flight were drained and the summary printed; the status says interrupted
      shutdown.setExitStatus();
    });
}

function formatSummary(s: HarvestSummary): string {
  const lines = [
    `${s.layer} ${s.tms} levels ${s.levels.join(',')} dates ${s.dates[0] ?? '-'}..${s.dates[s.dates.length - 1] ?? '-'}: ${s.tiles} tiles in ${s.seconds.toFixed(1)} s`,
    `  fetched ${s.fetched} (${(s.bytes / 1e6).toFixed(1)} MB)  blank ${s.blank}  unchanged ${s.unchanged}  failed ${s.failed}${s.interrupted ? '  (interrupted: run again to resume)' : ''}`,
    ...s.failures.slice(0, 20).map((f) => `  failed ${f.tile}: ${f.code} ${f.reason}`),
  ];
  if (s.failures.length > 20) lines.push(`  ... and ${s.failures.length - 20} more (see --json)`);
  return `${lines.join('\n')}\n`;
}
