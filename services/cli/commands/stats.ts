import type { Command } from 'commander';
import { createBus, busErrorCodes, type Bus, type PartitionLag } from '../../../shared/bus/index.js';
import { busOptions, vectorStoreOptions } from '../../../shared/config/index.js';
import { AppError } from '../../../shared/errors/index.js';
import {
  SERVING_ALIAS,
  createVectorStore,
  type CollectionInfo,
  type FacetCount,
  type VectorStore,
} from '../../../shared/store/index.js';
import { createContext, type GlobalOptions } from '../context.js';

const FETCHED = 'tiles.fetched';
const DLQ = 'tiles.dlq';
/**
 * A group that never joins, polls or commits: `lag()` of a group without commits counts every retained
 * message, which is the topic's size (BusConsumer.lag; neither backend joins the group for it).
 */
const COUNTING_GROUP = 'gibs-embed-stats';

interface StoreStats {
  alias: { name: string; collection: string | null };
  collections: Array<CollectionInfo & { serving: boolean }>;
  /** of the collection the alias names (what queries see); empty without one */
  byLayer: FacetCount[];
  byDate: FacetCount[];
  /** over every collection: a re-embed in progress shows both models */
  byModel: FacetCount[];
}

interface BusStats {
  /** the embedders' consumer group on tiles.fetched; null when nothing was ever harvested (no topic yet) */
  embedderLag: { group: string; topic: string; lag: number; partitions: PartitionLag[] } | null;
  /** messages retained on tiles.dlq; null when the topic does not exist yet */
  dlq: { topic: string; messages: number } | null;
}

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

async function readStoreStats(store: VectorStore): Promise<StoreStats> {
  const serving = (await store.getAlias(SERVING_ALIAS)) ?? null;
  const collections = (await store.listCollections()).sort((a, b) => (a.name < b.name ? -1 : 1));
  const byModel = new Map<string, number>();
  for (const c of collections) {
    for (const { value, count } of await store.facet(c.name, 'model'))
      byModel.set(value, (byModel.get(value) ?? 0) + count);
  }
  return {
    alias: { name: SERVING_ALIAS, collection: serving },
    collections: collections.map((c) => ({ ...c, serving: c.name === serving })),
    byLayer: serving === null ? [] : await store.facet(serving, 'layer'),
    byDate: serving === null ? [] : (await store.facet(serving, 'date')).sort((a, b) => (a.value < b.value ? -1 : 1)),
    byModel: [...byModel]
      .map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)),
  };
}

async function readBusStats(bus: Bus, groupId: string): Promise<BusStats> {
  // lag() reads offsets only: a member of the embedders' group is neither joined nor disturbed by it
  const embedders = await lagOf(bus, groupId, FETCHED);
  const dlq = await lagOf(bus, COUNTING_GROUP, DLQ);
  return {
    embedderLag: embedders && {
      group: groupId,
      topic: FETCHED,
      lag: embedders.reduce((n, p) => n + p.lag, 0),
      partitions: embedders,
    },
    dlq: dlq && { topic: DLQ, messages: dlq.reduce((n, p) => n + p.lag, 0) },
  };
}

async function lagOf(bus: Bus, groupId: string, topic: string): Promise<PartitionLag[] | null> {
  const consumer = bus.consumer({ groupId, topics: [topic] });
  try {
    return await consumer.lag();
  } catch (error) {
    if (error instanceof AppError && error.code === busErrorCodes.unknownTopic) return null;
    throw error;
  } finally {
    await consumer.close();
  }
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
      ? `embedder lag: (no ${FETCHED} topic yet)`
      : `embedder lag (group ${lag.group} on ${lag.topic}): ${lag.lag} messages` +
          ` [${lag.partitions.map((p) => `p${p.partition}=${p.lag}`).join(' ')}]`,
  );
  lines.push(
    stats.dlq === null ? `dead letters: (no ${DLQ} topic yet)` : `dead letters (${DLQ}): ${stats.dlq.messages}`,
  );
  return `${lines.join('\n')}\n`;
}
