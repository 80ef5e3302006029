import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError, ValidationError } from '../../../shared/errors/index.js';
import { capabilitiesUrl, tileUrl } from '../../../shared/gibs/index.js';
import {
  startReplayServer,
  type FaultOptions,
  type ReplayServer,
  replayErrorCodes,
} from '../../../services/replay/index.js';
import { dataDir, get, rawRequest, type RawOutcome } from '../../support/raw-request.js';

const REAL_TILE = {
  layer: 'MODIS_Terra_CorrectedReflectance_TrueColor',
  date: '2016-01-24',
  tms: '250m',
  z: 5,
  row: 5,
  col: 10,
  ext: 'jpg',
};

type Observed = 'ok' | 'error500' | 'error503' | 'rateLimit' | 'reset' | 'truncate' | 'other';

function classify(outcome: RawOutcome, expected: Buffer): Observed {
  if (outcome.kind === 'reset') return 'reset';
  if (outcome.kind === 'truncated')
    return outcome.announced === expected.length && outcome.received < expected.length ? 'truncate' : 'other';
  if (outcome.status === 200) return outcome.body.equals(expected) ? 'ok' : 'other';
  if (outcome.status === 500) return 'error500';
  if (outcome.status === 503) return 'error503';
  if (outcome.status === 429) return 'rateLimit';
  return 'other';
}

/** Sequential requests over one keep-alive agent, as a polite client would send them. */
async function observe(
  server: ReplayServer,
  n: number,
  expected: Buffer,
): Promise<{ sequence: Observed[]; retryAfter: Set<string> }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const sequence: Observed[] = [];
  const retryAfter = new Set<string>();
  try {
    for (let i = 0; i < n; i++) {
      const outcome = await rawRequest(tileUrl(server.url, REAL_TILE), { agent });
      if (outcome.kind === 'response' && (outcome.status === 429 || outcome.status === 503))
        retryAfter.add(String(outcome.headers['retry-after']));
      sequence.push(classify(outcome, expected));
    }
  } finally {
    agent.destroy();
  }
  return { sequence, retryAfter };
}

const count = (seq: Observed[], kind: Observed): number => seq.filter((o) => o === kind).length;

describe('replay fault injection', () => {
  const faults: FaultOptions = {
    errorRate: 0.2,
    rateLimitRate: 0.1,
    resetRate: 0.1,
    truncateRate: 0.1,
    retryAfterSeconds: 3,
  };
  const N = 400;

  it('injects each fault kind at roughly its rate, and the server counts exactly what the client saw', async () => {
    const expected = await readFile(
      path.join(dataDir, 'gibs/tiles/epsg4326', REAL_TILE.layer, 'default', REAL_TILE.date, '250m/5/5/10.jpg'),
    );
    const server = await startReplayServer({ dataDir, faults, seed: 42 });
    try {
      const { sequence, retryAfter } = await observe(server, N, expected);
      assert.equal(count(sequence, 'other'), 0, 'every answer is a clean tile or a recognised fault');
      // Binomial standard deviation at n=400 is at most 10; allow 4 of them.
      const within = (observed: number, rate: number): void =>
        assert.ok(
          Math.abs(observed - rate * N) <= 4 * Math.sqrt(N * rate * (1 - rate)),
          `observed ${observed}, expected about ${rate * N}`,
        );
      within(count(sequence, 'error500') + count(sequence, 'error503'), 0.2);
      assert.ok(count(sequence, 'error500') > 0 && count(sequence, 'error503') > 0);
      within(count(sequence, 'rateLimit'), 0.1);
      within(count(sequence, 'reset'), 0.1);
      within(count(sequence, 'truncate'), 0.1);
      within(count(sequence, 'ok'), 0.5);
      assert.deepEqual([...retryAfter], ['3']);
      const stats = server.stats();
      assert.deepEqual(stats.faultsByKind, {
        reset: count(sequence, 'reset'),
        error500: count(sequence, 'error500'),
        error503: count(sequence, 'error503'),
        rateLimit: count(sequence, 'rateLimit'),
        truncate: count(sequence, 'truncate'),
        wrongSize: 0,
      });
      assert.equal(stats.faults, N - count(sequence, 'ok'));
      assert.equal(stats.tiles, count(sequence, 'ok'));
    } finally {
      await server.close();
    }
  });

  it('replays the same faults for the same seed and different ones for another seed', async () => {
    const expected = await readFile(
      path.join(dataDir, 'gibs/tiles/epsg4326', REAL_TILE.layer, 'default', REAL_TILE.date, '250m/5/5/10.jpg'),
    );
    const runs: Observed[][] = [];
    for (const seed of [7, 7, 8]) {
      const server = await startReplayServer({ dataDir, faults, seed });
      try {
        runs.push((await observe(server, 60, expected)).sequence);
      } finally {
        await server.close();
      }
    }
    assert.deepEqual(runs[0], runs[1]);
    assert.notDeepEqual(runs[0], runs[2]);
  });

  it('leaves the capabilities alone unless asked', async () => {
    const spared = await startReplayServer({ dataDir, faults: { errorRate: 1 } });
    try {
      assert.equal((await get(capabilitiesUrl(spared.url))).status, 200);
      assert.ok([500, 503].includes((await get(tileUrl(spared.url, REAL_TILE))).status));
    } finally {
      await spared.close();
    }
    const hit = await startReplayServer({ dataDir, faults: { errorRate: 1, includeCapabilities: true } });
    try {
      assert.ok([500, 503].includes((await get(capabilitiesUrl(hit.url))).status));
    } finally {
      await hit.close();
    }
  });

  it('adds the configured latency to tile requests', async () => {
    const server = await startReplayServer({ dataDir, faults: { latencyMs: 250 } });
    try {
      const started = performance.now();
      const res = await get(tileUrl(server.url, REAL_TILE));
      assert.equal(res.status, 200);
      assert.ok(performance.now() - started >= 245);
    } finally {
      await server.close();
    }
  });

  it('refuses bad options and bad data with clear errors', async () => {
    for (const bad of [
      { errorRate: -0.1 },
      { errorRate: 0.6, resetRate: 0.6 },
      { truncateRate: Number.NaN },
      { latencyMs: -5 },
      { wrongSizePx: 0 },
    ]) {
      await assert.rejects(
        startReplayServer({ dataDir, faults: bad }),
        (e: unknown) => e instanceof ValidationError && e.code === replayErrorCodes.badFaultOptions,
      );
    }
    await assert.rejects(
      startReplayServer({ dataDir: path.join(dataDir, 'no-such-kit') }),
      (e: unknown) => e instanceof AppError && e.code === replayErrorCodes.dataUnreadable,
    );
    const first = await startReplayServer({ dataDir });
    try {
      await assert.rejects(
        startReplayServer({ dataDir, port: first.port }),
        (e: unknown) => e instanceof AppError && e.code === replayErrorCodes.listenFailed,
      );
    } finally {
      await first.close();
    }
  });
});
