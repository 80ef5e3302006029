import { Agent, request } from 'node:http';
import { tileUrl } from '../../shared/gibs/index.js';
import { startReplayServer, type ReplayServer, type ReplayTileRef } from '../../services/replay/index.js';
import type { BenchResult, BenchSuite } from './bench-result.js';

export interface ServingRate {
  requests: number;
  /** 200 answers per second over the measured window */
  tilesPerSecond: number;
  bytesPerSecond: number;
  /** answers that were not 200, and failed connections */
  failures: number;
  p50Ms: number;
  p95Ms: number;
  elapsedMs: number;
}

function fetchAll(agent: Agent, url: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const percentile = (sorted: number[], p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN;

/**
 * The raw serving rate of a (replay) GIBS: `concurrency` workers on one keep-alive agent request the given
 * tiles round-robin for `durationMs`, reading every body. No decoding, no storage: this is the ceiling a
 * harvester's rate can be compared against (the harvester bench divides by it).
 */
export async function measureRawServingRate(
  server: Pick<ReplayServer, 'url'>,
  tiles: readonly ReplayTileRef[],
  concurrency: number,
  durationMs: number,
): Promise<ServingRate> {
  if (tiles.length === 0) throw new Error('measureRawServingRate needs at least one tile');
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new Error(`concurrency must be a positive integer, got ${concurrency}`);
  const urls = tiles.map((t) => tileUrl(server.url, { ...t, date: t.date ?? 'default' }));
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let next = 0;
  let ok = 0;
  let failures = 0;
  let bytes = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const url = urls[next++ % urls.length];
      const t0 = performance.now();
      try {
        const answer = await fetchAll(agent, url);
        if (answer.status === 200) {
          ok++;
          bytes += answer.bytes;
        } else {
          failures++;
        }
      } catch {
        // A failed connection is one failure of the measured server, counted and reported, not a bench crash.
        failures++;
      }
      latencies.push(performance.now() - t0);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  const elapsedMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    tilesPerSecond: (ok * 1000) / elapsedMs,
    bytesPerSecond: (bytes * 1000) / elapsedMs,
    failures,
    p50Ms: percentile(latencies, 0.5),
    p95Ms: percentile(latencies, 0.95),
    elapsedMs,
  };
}

/** Replay server numbers: start time, pyramid build time, and the raw serving rate of cached pyramid tiles. */
export const benchReplay: BenchSuite = async ({ quick, dataDir }) => {
  const results: BenchResult[] = [];
  const concurrency = 8;
  const durationMs = quick ? 1_500 : 6_000;

  const t0 = performance.now();
  const server = await startReplayServer({ dataDir });
  results.push({
    suite: 'replay',
    name: 'start (capabilities parsed, pyramids lazy)',
    value: performance.now() - t0,
    unit: 'ms',
  });
  try {
    const mosaicTiles = server.catalog.tiles().filter((t) => t.source === 'mosaic');
    const t1 = performance.now();
    // One request per mosaic builds its whole pyramid; the rest are then cache hits.
    const firsts = [...new Map(mosaicTiles.map((t) => [t.layer, t])).values()];
    const agent = new Agent({ keepAlive: false });
    try {
      const answers = await Promise.all(
        firsts.map((t) => fetchAll(agent, tileUrl(server.url, { ...t, date: t.date ?? 'default' }))),
      );
      if (answers.some((a) => a.status !== 200))
        throw new Error(`replay bench: first pyramid requests answered ${answers.map((a) => a.status).join(', ')}`);
    } finally {
      agent.destroy();
    }
    results.push({
      suite: 'replay',
      name: 'build both mosaic pyramids (first requests)',
      value: performance.now() - t1,
      unit: 'ms',
      params: { tiles: mosaicTiles.length },
    });

    await measureRawServingRate(server, mosaicTiles, concurrency, 200); // warm connections and JIT
    const rate = await measureRawServingRate(server, mosaicTiles, concurrency, durationMs);
    if (rate.failures > 0) throw new Error(`replay bench: ${rate.failures} of ${rate.requests} requests failed`);
    results.push({
      suite: 'replay',
      name: `serve cached pyramid tiles, keep-alive c=${concurrency}`,
      value: rate.tilesPerSecond,
      unit: 'tiles/s',
      params: {
        requests: rate.requests,
        MBps: Number((rate.bytesPerSecond / 1e6).toFixed(1)),
        p50ms: Number(rate.p50Ms.toFixed(2)),
        p95ms: Number(rate.p95Ms.toFixed(2)),
        distinctTiles: mosaicTiles.length,
      },
    });
  } finally {
    await server.close();
  }
  return results;
};
