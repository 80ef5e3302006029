/**
 * The alerter with 1,000 rules (1–3 references each, at the default model's embedding dimension):
 * - scoring only: a batch of tiles against every rule at once (buildRuleMatrix + scoreTiles, the alerter's hot
 *   loop), against the same arithmetic done rule by rule (a dot product per reference, max per rule) as baseline;
 * - end to end: tiles.embedded on the embedded bus → alerter (parse, policy, wasScored, score, recordAlert,
 *   alerts topic, markScoredMany, commit) on the SQLite alert store, from produce to the group's lag reaching 0.
 *   About 1% of the tiles match a rule, so alerts are recorded and produced too;
 * - the cold start: the first batch reads every rule's reference vectors from the store and builds the matrix.
 */
import path from 'node:path';
import { SqliteAlertStore, type AlertRule } from '../../shared/alerts/index.js';
import { SqliteBus, produceTyped, type BusConsumer } from '../../shared/bus/index.js';
import { silentLogger } from '../../shared/log/index.js';
import { buildEncoderGraph, resnet18Half } from '../../shared/model/encoder/index.js';
import { buildRuleMatrix, createAlerter, scoreTiles } from '../../services/alerter/index.js';
import { NOW, TableEmbedder, atCosine, embedded, randomUnit, seeded } from '../support/alerter-fixtures.js';
import type { BenchOptions, BenchResult, BenchSuite } from './bench-result.js';

const RULES = 1000;
const MODEL = 'bench-model';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** rule-by-rule scoring: what the matrix replaces */
function scoreRuleByRule(rules: Float32Array[][], tiles: Float32Array[]): Float64Array {
  const out = new Float64Array(tiles.length * rules.length);
  tiles.forEach((tile, t) => {
    rules.forEach((refs, k) => {
      let best = Number.NEGATIVE_INFINITY;
      for (const ref of refs) {
        let s = 0;
        for (let j = 0; j < ref.length; j++) s += ref[j] * tile[j];
        if (s > best) best = s;
      }
      out[t * rules.length + k] = best;
    });
  });
  return out;
}

export const benchAlerter: BenchSuite = async (options: BenchOptions): Promise<BenchResult[]> => {
  const { quick, workDir } = options;
  const dim = buildEncoderGraph(resnet18Half).embeddingDim;
  const random = seeded(42);
  const references = Array.from({ length: RULES }, (_, k) =>
    Array.from({ length: 1 + (k % 3) }, () => randomUnit(random, dim)),
  );
  const rows = references.reduce((n, r) => n + r.length, 0);
  const results: BenchResult[] = [];
  const params = { rules: RULES, references: rows, dim };

  // scoring only
  const batch = 128;
  const rounds = quick ? 3 : 7;
  const perRound = quick ? 512 : 2048;
  const scoredRules = references.map((vectors, k) => ({
    rule: { id: `r${k}`, threshold: 0.9 } as AlertRule,
    filter: undefined,
    vectors,
  }));
  const t0 = performance.now();
  const matrix = buildRuleMatrix(MODEL, scoredRules);
  const buildMs = performance.now() - t0;
  const tiles = Array.from({ length: perRound }, () => randomUnit(random, dim));
  const matrixRates: number[] = [];
  const baselineRates: number[] = [];
  const ratios: number[] = [];
  let checksum = 0;
  for (let r = 0; r < rounds; r++) {
    let start = performance.now();
    for (let i = 0; i < perRound; i += batch) checksum += scoreTiles(matrix, tiles.slice(i, i + batch))[0];
    const matrixRate = perRound / ((performance.now() - start) / 1000);
    start = performance.now();
    const sample = quick ? perRound / 4 : perRound / 8;
    for (let i = 0; i < sample; i += batch) checksum += scoreRuleByRule(references, tiles.slice(i, i + batch))[0];
    const baselineRate = sample / ((performance.now() - start) / 1000);
    matrixRates.push(matrixRate);
    baselineRates.push(baselineRate);
    ratios.push(matrixRate / baselineRate);
  }
  if (!Number.isFinite(checksum)) throw new Error('scores are not finite');
  results.push({
    suite: 'alerter',
    name: `scoring only, ${RULES} rules (matrix, batch ${batch})`,
    value: median(matrixRates),
    unit: 'tiles/s',
    params: { ...params, batch, rounds, tilesPerRound: perRound, buildMatrixMs: Number(buildMs.toFixed(1)) },
    ratio: { baseline: 'rule-by-rule dot products (same run, median of alternating rounds)', value: median(ratios) },
  });
  results.push({
    suite: 'alerter',
    name: `scoring only, ${RULES} rules (rule by rule, baseline)`,
    value: median(baselineRates),
    unit: 'tiles/s',
    params: { ...params, batch, rounds },
  });

  // end to end through the bus and the store
  const log = silentLogger();
  const bus = new SqliteBus({
    path: path.join(workDir, 'bus.db'),
    defaultPartitions: 4,
    retention: { maxAgeMs: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY },
  });
  await bus.open();
  const store = await SqliteAlertStore.open({ path: path.join(workDir, 'alerts.db') });
  const embedder = new TableEmbedder();
  try {
    await bus.ensureTopics([{ name: 'tiles.embedded' }, { name: 'alerts' }, { name: 'tiles.dlq' }]);
    const setupStart = performance.now();
    for (let k = 0; k < RULES; k++) {
      const { rule } = await store.createRule(
        {
          name: `rule ${k}`,
          references: references[k].map((_, j) => ({
            kind: 'image' as const,
            label: `ref-${j}.jpg`,
            bytes: new TextEncoder().encode(`rule ${k} reference ${j}`),
          })),
          threshold: 0.9,
          cooldownSeconds: 0,
          enabled: true,
        },
        NOW,
      );
      await store.putReferenceVectors(rule.id, MODEL, rule.revision, references[k]);
    }
    const setupSeconds = (performance.now() - setupStart) / 1000;
    const alerter = createAlerter(
      { bus, store, embedder, log, now: () => NOW },
      { groupId: 'alerters', maxAgeDays: 4, idleWaitMs: 50 },
    );
    const check = bus.consumer({ groupId: 'alerters', topics: ['tiles.embedded'] });
    alerter.start();
    let next = 0;
    const messages = (n: number) =>
      Array.from({ length: n }, () => {
        const i = next++;
        // one tile in a hundred sits near a rule's first reference
        const vector = i % 100 === 7 ? atCosine(references[i % RULES][0], 0.95, random) : randomUnit(random, dim);
        const m = embedded({ i: i % 50, vector, model: MODEL });
        return { key: `${i}`, value: { ...m, id: uuidFor(i) } };
      });

    let start = performance.now();
    await produceTyped(bus, 'tiles.embedded', messages(1));
    await untilLagZero(check);
    const coldMs = performance.now() - start;

    const e2eRounds = quick ? 2 : 3;
    const e2eTiles = quick ? 300 : 1000;
    const e2eRates: number[] = [];
    for (let r = 0; r < e2eRounds; r++) {
      const batchMessages = messages(e2eTiles);
      start = performance.now();
      await produceTyped(bus, 'tiles.embedded', batchMessages);
      await untilLagZero(check);
      e2eRates.push(e2eTiles / ((performance.now() - start) / 1000));
    }
    await alerter.stop();
    await alerter.done;
    await check.close();
    const alerts = (await store.listAlerts({ limit: 1000 })).length;
    const expected = Math.floor((next + 92) / 100);
    if (alerts !== expected) throw new Error(`expected ${expected} alerts, got ${alerts}`);
    results.push({
      suite: 'alerter',
      name: `end to end, ${RULES} rules (bus → score → alert store → commit)`,
      value: median(e2eRates),
      unit: 'tiles/s',
      params: {
        ...params,
        rounds: e2eRounds,
        tilesPerRound: e2eTiles,
        alerts,
        rates: e2eRates.map((x) => x.toFixed(0)).join(' '),
      },
    });
    results.push({
      suite: 'alerter',
      name: `cold start: first tile with ${RULES} rules (vectors read from the store, matrix built)`,
      value: coldMs,
      unit: 'ms',
      params: { ...params, storeSetupSeconds: Number(setupSeconds.toFixed(1)) },
    });
  } finally {
    await store.close();
    await bus.close();
  }
  return results;
};

/** a distinct, stable tile id per message index (the harness's ids repeat every 50 places) */
function uuidFor(i: number): string {
  const hex = i.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

async function untilLagZero(consumer: BusConsumer): Promise<void> {
  for (;;) {
    if ((await consumer.lag()).every((p) => p.lag === 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
