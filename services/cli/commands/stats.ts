import type { Command } from 'commander';
import { createBus } from '../../../shared/bus/index.js';
import { busOptions, vectorStoreOptions } from '../../../shared/config/index.js';
import {
  DLQ_TOPIC,
  FETCHED_TOPIC,
  readBusStats,
  readStoreStats,
  type BusStats,
  type StoreStats,
} from '../../../shared/query/index.js';
import { createVectorStore, type FacetCount } from '../../../shared/store/index.js';
import { createContext, type GlobalOptions } from '../context.js';

/** `gibs-embed stats`: what the index holds and how far behind the embedders are, read-only. */
export function registerStatsCommand(program: Command): void {
  program
    .command('stats')
    .description(
      'points per layer, date and model, the collections and the one the alias names, embedder lag and DLQ size',
    )
    .option('--json', 'print the statistics as JSON on stdout')
    .action(async (flags: { json?: boolean }) => {
      const { config, log } = createContext(program.opts<GlobalOptions>(), {}, { writesData: true });
      const store = await createVectorStore(vectorStoreOptions(config), { logger: log });
      let storeStats: StoreStats;
      try {
        storeStats = await readStoreStats(store);
      } finally {
        await store.close();
      }
      const bus = await createBus(busOptions(config), { logger: log });
      let busStats: BusStats;
      try {
        busStats = await readBusStats(bus, config.embedder.groupId);
      } finally {
        await bus.close();
      }
      const stats = { ...storeStats, ...busStats };
      process.stdout.write(flags.json ? `${JSON.stringify(stats)}\n` : formatStats(stats));
    });
}

function formatStats(stats: StoreStats & BusStats): string {
  const lines: string[] = [];
  lines.push(`alias ${stats.alias.name} -> ${stats.alias.collection ?? '(none: nothing embedded yet)'}`);
  lines.push('collections:');
  if (stats.collections.length === 0) lines.push('  (none)');
  for (const c of stats.collections)
    lines.push(`  ${c.serving ? '*' : ' '} ${c.name}  ${c.points} points  dim ${c.dimension}`);
  const table = (title: string, rows: FacetCount[]) => {
    lines.push(`${title}:`);
    if (rows.length === 0) lines.push('  (none)');
    const width = Math.max(0, ...rows.map((r) => r.value.length));
    for (const r of rows) lines.push(`  ${r.value.padEnd(width)}  ${r.count}`);
  };
  table('points per layer (serving collection)', stats.byLayer);
  table('points per date (serving collection)', stats.byDate);
  table('points per model (every collection)', stats.byModel);
  const lag = stats.embedderLag;
  lines.push(
    lag === null
      ? `embedder lag: (no ${FETCHED_TOPIC} topic yet)`
      : `embedder lag (group ${lag.group} on ${lag.topic}): ${lag.lag} messages` +
          ` [${lag.partitions.map((p) => `p${p.partition}=${p.lag}`).join(' ')}]`,
  );
  lines.push(
    stats.dlq === null
      ? `dead letters: (no ${DLQ_TOPIC} topic yet)`
      : `dead letters (${DLQ_TOPIC}): ${stats.dlq.messages}`,
  );
  return `${lines.join('\n')}\n`;
}
