import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { SqliteBus, busErrorCodes, type BusConsumer, type BusRecord } from '../../shared/bus/index.js';
import { AppError } from '../../shared/errors/index.js';
import { SERVING_ALIAS, type VectorStore } from '../../shared/store/index.js';
import { startReplayServer } from '../../services/replay/index.js';
import { openDataDirStore, spawnCli, type CliProcess } from '../support/pipeline-fixtures.js';
import type { BenchResult, BenchSuite } from './bench-result.js';

const MODIS = 'MODIS_Terra_CorrectedReflectance_TrueColor';
const LEVELS = [4, 5];
/** tiles per day at z4 + z5 of the 250m set: 20×10 + 40×20 */
const TILES_PER_DAY = 1000;
const POLL_MS = 100;

/**
 * Sustained load through the real CLI processes: `gibs-embed harvest` from the replay server on loopback →
 * SQLite bus → `gibs-embed embed` → LanceDB, with the default configuration. The replay has real imagery
 * for ~100 tiles only, so it runs with `repeatRealTiles` (every z4/z5 MODIS tile answers with one of the
 * kit's real MODIS tiles, chosen by position): 10 days × 1000 tiles (quick: 1 day). Measured one after
 * another in one run: harvest alone, embed alone (over the harvested bus), then both at once into a fresh
 * data directory, where a watcher records for every tile the time from its tiles.fetched append to the
 * moment a `get` on the serving collection first returns it.
 */
export const benchPipeline: BenchSuite = async ({ quick, dataDir, workDir }) => {
  const days = quick ? 1 : 10;
  const dates = Array.from({ length: days }, (_, i) => `2020-09-${String(27 - days + 1 + i).padStart(2, '0')}`);
  const tiles = days * TILES_PER_DAY;
  const server = await startReplayServer({ dataDir, pregenerate: true, repeatRealTiles: true });
  const harvestArgs = [
    'harvest',
    '--layer',
    MODIS,
    '--from',
    dates[0],
    '--to',
    dates[dates.length - 1],
    '--level',
    LEVELS.join(','),
  ];
  const params = {
    tiles,
    layer: MODIS,
    levels: LEVELS.join(','),
    dates: `${dates[0]}..${dates[dates.length - 1]}`,
    repeatRealTiles: true,
    config: 'defaults',
  };
  const results: BenchResult[] = [];
  try {
    // stages alone: harvest everything, then embed the full bus
    const alone = path.join(workDir, 'alone');
    await mkdir(alone);
    const envAlone = { GIBS_EMBED_DATA_DIR: alone, GIBS_BASE_URL: server.url };
    const harvest = await timed(() => runToEnd(spawnCli(harvestArgs, envAlone), 'harvest alone'));
    if (server.stats().repeated < tiles)
      throw new Error(`pipeline bench: the replay repeated ${server.stats().repeated} tiles, expected ${tiles}`);
    const embed = await timed(() => runToEnd(spawnCli(['embed', '--until-idle'], envAlone), 'embed alone'));
    await assertAllStored(alone, tiles);
    await rm(alone, { recursive: true, force: true });
    const harvestRate = tiles / harvest.seconds;
    const embedRate = tiles / embed.seconds;
    results.push(
      { suite: 'pipeline', name: 'harvest alone (process wall time)', value: harvestRate, unit: 'tiles/s', params },
      { suite: 'pipeline', name: 'embed alone (process wall time)', value: embedRate, unit: 'tiles/s', params },
    );

    // both at once: harvest and a long-running embedder into a fresh data directory
    const both = path.join(workDir, 'both');
    await mkdir(both);
    const env = { GIBS_EMBED_DATA_DIR: both, GIBS_BASE_URL: server.url };
    const started = performance.now();
    const embedder = spawnCli(['embed'], env);
    const harvester = spawnCli(harvestArgs, env);
    const harvesterDone = runToEnd(harvester, 'harvest (end to end)');
    let latencies: number[];
    try {
      latencies = await watchVisibility(both, tiles, harvesterDone);
    } finally {
      embedder.proc.kill('SIGTERM');
    }
    const e2eSeconds = (performance.now() - started) / 1000;
    await harvesterDone;
    const stopped = await embedder.exited;
    if (stopped.code !== 130) throw new Error(`embed ended with ${stopped.code} on SIGTERM:\n${embedder.stderr()}`);
    const slowest = harvestRate < embedRate ? 'harvest alone (process wall time)' : 'embed alone (process wall time)';
    results.push({
      suite: 'pipeline',
      name: 'harvest → embed → store, end to end (until every tile is searchable)',
      value: tiles / e2eSeconds,
      unit: 'tiles/s',
      ratio: { baseline: slowest, value: round(tiles / e2eSeconds / Math.min(harvestRate, embedRate), 3) },
      params: { ...params, seconds: round(e2eSeconds) },
    });
    latencies.sort((a, b) => a - b);
    for (const q of [0.5, 0.99]) {
      results.push({
        suite: 'pipeline',
        name: `harvest → searchable latency p${q * 100}`,
        value: latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))],
        unit: 'ms',
        params: { ...params, pollMs: POLL_MS, measured: latencies.length },
      });
    }
  } finally {
    await server.close();
  }
  return results;
};

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await run();
  return { value, seconds: (performance.now() - started) / 1000 };
}

async function runToEnd(child: CliProcess, what: string): Promise<void> {
  const exit = await child.exited;
  if (exit.code !== 0) throw new Error(`${what} failed (${exit.code ?? exit.signal}):\n${child.stderr().slice(-2000)}`);
}

/**
 * Follows tiles.fetched with a private group and polls the serving collection with `get` for every tile
 * fetched and not yet seen there; returns, per tile, ms from its append to the poll that first saw it.
 * Resolution: POLL_MS plus the time one poll takes.
 */
async function watchVisibility(dataDir: string, expected: number, harvested: Promise<void>): Promise<number[]> {
  let harvestFailed: unknown;
  harvested.catch((error: unknown) => (harvestFailed = error));
  const bus = new SqliteBus({
    path: path.join(dataDir, 'bus.db'),
    defaultPartitions: 4,
    retention: { maxAgeMs: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY },
  });
  let store: VectorStore | undefined;
  const pending = new Map<string, number>();
  const latencies: number[] = [];
  const deadline = Date.now() + 30 * 60_000;
  try {
    // the watcher may open the file first: the processes create their topics when they start
    await bus.open();
    const consumer = bus.consumer({ groupId: `bench-watch-${process.pid}`, topics: ['tiles.fetched'] });
    let collection: string | undefined;
    while (latencies.length < expected) {
      if (harvestFailed) throw harvestFailed;
      if (Date.now() > deadline) throw new Error(`only ${latencies.length} of ${expected} tiles became searchable`);
      for (const r of await pollIfCreated(consumer))
        pending.set((JSON.parse(r.value.toString()) as { id: string }).id, r.timestamp);
      store ??= await openDataDirStore(dataDir);
      collection ??= await store.getAlias(SERVING_ALIAS);
      if (collection !== undefined && pending.size > 0) {
        const ids = [...pending.keys()];
        for (let i = 0; i < ids.length; i += 1000) {
          const found = await store.get(collection, ids.slice(i, i + 1000));
          const now = Date.now();
          for (const p of found) {
            latencies.push(now - (pending.get(p.id) as number));
            pending.delete(p.id);
          }
        }
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    await consumer.close();
    return latencies;
  } finally {
    await store?.close();
    await bus.close();
  }
}

/** Everything new on the topic; nothing while no process has created it yet. */
async function pollIfCreated(consumer: BusConsumer): Promise<BusRecord[]> {
  try {
    return await consumer.poll({ maxMessages: 100_000, timeoutMs: 0 });
  } catch (error) {
    if (error instanceof AppError && error.code === busErrorCodes.unknownTopic) return [];
    throw error;
  }
}

async function assertAllStored(dataDir: string, tiles: number): Promise<void> {
  const store = await openDataDirStore(dataDir);
  try {
    const collection = await store.getAlias(SERVING_ALIAS);
    const count = collection === undefined ? 0 : await store.count(collection);
    if (count !== tiles) throw new Error(`pipeline bench: the store holds ${count} points, expected ${tiles}`);
  } finally {
    await store.close();
  }
}

function round(value: number, digits = 2): number {
  return Number(value.toFixed(digits));
}
