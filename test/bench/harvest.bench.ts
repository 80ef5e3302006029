import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { HarvestRequest, HarvestSummary } from '../../services/harvester/index.js';
import { startReplayServer, type ReplayTileRef } from '../../services/replay/index.js';
import { openHarness, sharedCapabilities } from '../support/harvester-harness.js';
import type { BenchResult, BenchSuite } from './bench-result.js';
import { measureRawServingRate } from './replay.bench.js';

const MODIS = 'MODIS_Terra_CorrectedReflectance_TrueColor';
const MARBLE = 'BlueMarble_ShadedRelief_Bathymetry';
const CONCURRENCY = 8;

/**
 * Harvest throughput against the replay server's raw serving rate, measured side by side in one run.
 * Workload: the 23 MODIS 2020-09-27 mosaic tiles (z0-z2) plus the 73 Blue Marble tiles (z0-z3) filed under
 * `days` different dates (a layer without a time dimension is harvested once per requested day), all
 * non-blank, so every tile is fetched, decoded, checked for blankness, stored (fsync) and produced (fsync).
 * The raw rate requests the same tiles with a bare keep-alive client that only reads the bodies.
 */
export const benchHarvest: BenchSuite = async ({ quick, dataDir, workDir }) => {
  const days = quick ? 1 : 3;
  const rawMs = quick ? 1_500 : 4_000;
  const server = await startReplayServer({ dataDir, port: 0, pregenerate: true });
  const caps = sharedCapabilities(server.url);
  const results: BenchResult[] = [];
  try {
    const tiles: ReplayTileRef[] = server.catalog
      .tiles()
      .filter((t) => (t.layer === MODIS && t.date === '2020-09-27') || t.layer === MARBLE);
    const requests: HarvestRequest[] = [
      { layer: MODIS, from: '2020-09-27', to: '2020-09-27', levels: [0, 1, 2] },
      ...Array.from({ length: days }, (_, i): HarvestRequest => {
        const day = `2020-09-${String(20 + i).padStart(2, '0')}`;
        return { layer: MARBLE, from: day, to: day, levels: [0, 1, 2, 3] };
      }),
    ];
    await caps.cache.get(); // parse the capabilities outside the timed runs

    await measureRawServingRate(server, tiles, CONCURRENCY, 200); // warm connections and JIT
    const raw = await measureRawServingRate(server, tiles, CONCURRENCY, rawMs);
    if (raw.failures > 0) throw new Error(`harvest bench: ${raw.failures} of ${raw.requests} raw requests failed`);
    const rawName = `replay raw serving, keep-alive c=${CONCURRENCY}`;
    results.push({
      suite: 'harvest',
      name: rawName,
      value: raw.tilesPerSecond,
      unit: 'tiles/s',
      params: { MBps: round(raw.bytesPerSecond / 1e6), distinctTiles: tiles.length },
    });

    const runAll = async (
      label: string,
      dir: string,
      maxMbps: number | 'unlimited',
    ): Promise<{ summaries: HarvestSummary[]; seconds: number }> => {
      await mkdir(dir, { recursive: true });
      const h = await openHarness(server.url, {
        dir,
        capabilities: caps.cache,
        gibs: { concurrency: CONCURRENCY, maxMbps },
        config: { concurrency: CONCURRENCY, produceLingerMs: 20 },
      });
      try {
        const measure = async () => {
          const started = performance.now();
          const summaries: HarvestSummary[] = [];
          for (const request of requests) summaries.push(await h.harvester.harvest(request));
          const failed = summaries.reduce((n, s) => n + s.failed, 0);
          if (failed > 0)
            throw new Error(
              `harvest bench (${label}): ${failed} tiles failed: ${JSON.stringify(summaries.flatMap((s) => s.failures).slice(0, 3))}`,
            );
          return { summaries, seconds: (performance.now() - started) / 1000 };
        };
        const first = await measure();
        const again = await measure();
        const fetched = first.summaries.reduce((n, s) => n + s.fetched, 0);
        const bytes = first.summaries.reduce((n, s) => n + s.bytes, 0);
        const unchanged = again.summaries.reduce((n, s) => n + s.unchanged, 0);
        results.push({
          suite: 'harvest',
          name: `harvest new tiles (${label})`,
          value: fetched / first.seconds,
          unit: 'tiles/s',
          ratio: { baseline: rawName, value: round(fetched / first.seconds / raw.tilesPerSecond, 3) },
          params: {
            tiles: fetched,
            seconds: round(first.seconds),
            MBps: round(bytes / first.seconds / 1e6),
            concurrency: CONCURRENCY,
          },
        });
        results.push({
          suite: 'harvest',
          name: `re-harvest, all unchanged via ETag (${label})`,
          value: unchanged / again.seconds,
          unit: 'tiles/s',
          ratio: { baseline: rawName, value: round(unchanged / again.seconds / raw.tilesPerSecond, 3) },
          params: { tiles: unchanged, seconds: round(again.seconds) },
        });
        return first;
      } finally {
        await h.close();
      }
    };

    await runAll('loopback, no bandwidth cap', path.join(workDir, 'harvest-unlimited'), 'unlimited');
    if (!quick) await runAll('50 Mbps cap', path.join(workDir, 'harvest-50mbps'), 50);
  } finally {
    await caps.close();
    await server.close();
  }
  return results;
};

function round(value: number, digits = 2): number {
  return Number(value.toFixed(digits));
}
