import { busErrorCodes, type Bus, type PartitionLag } from '../bus/index.js';
import { AppError } from '../errors/index.js';
import { SERVING_ALIAS, type CollectionInfo, type FacetCount, type VectorStore } from '../store/index.js';

export const FETCHED_TOPIC = 'tiles.fetched';
export const DLQ_TOPIC = 'tiles.dlq';
/**
 * A group that never joins, polls or commits: `lag()` of a group without commits counts every retained
 * message, which is the topic's size (BusConsumer.lag; neither backend joins the group for it).
 */
const COUNTING_GROUP = 'gibs-embed-stats';

export interface StoreStats {
  alias: { name: string; collection: string | null };
  collections: Array<CollectionInfo & { serving: boolean }>;
  /** of the collection the alias names (what queries see); empty without one */
  byLayer: FacetCount[];
  byDate: FacetCount[];
  /** over every collection: a re-embed in progress shows both models */
  byModel: FacetCount[];
}

export interface BusStats {
  /** the embedders' consumer group on tiles.fetched; null when nothing was ever harvested (no topic yet) */
  embedderLag: { group: string; topic: string; lag: number; partitions: PartitionLag[] } | null;
  /** messages retained on tiles.dlq; null when the topic does not exist yet */
  dlq: { topic: string; messages: number } | null;
}

/** What the index holds: the collections, the one the alias names, and points per layer, date and model. */
export async function readStoreStats(store: VectorStore): Promise<StoreStats> {
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

/** How far behind the embedders' group is on tiles.fetched, and how many dead letters wait; read-only. */
export async function readBusStats(bus: Bus, groupId: string): Promise<BusStats> {
  // lag() reads offsets only: a member of the embedders' group is neither joined nor disturbed by it
  const embedders = await lagOf(bus, groupId, FETCHED_TOPIC);
  const dlq = await lagOf(bus, COUNTING_GROUP, DLQ_TOPIC);
  return {
    embedderLag: embedders && {
      group: groupId,
      topic: FETCHED_TOPIC,
      lag: embedders.reduce((n, p) => n + p.lag, 0),
      partitions: embedders,
    },
    dlq: dlq && { topic: DLQ_TOPIC, messages: dlq.reduce((n, p) => n + p.lag, 0) },
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
