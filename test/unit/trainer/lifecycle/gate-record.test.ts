import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../../../shared/errors/index.js';
import { compareReports, type EvalReport } from '../../../../shared/model/eval/index.js';
import {
  encodeGateRecord,
  flattenReport,
  gateRecord,
  metricKey,
  parseGateRecord,
  registryErrorCodes,
} from '../../../../shared/model/registry/index.js';

const recall = (values: Record<number, number>) => ({
  recallAt: values,
  chance: { 1: 0.01, 10: 0.1 },
  queries: 100,
  gallery: 100,
});
const report = (tiles10: number, collapseStd: number): EvalReport => ({
  datasetId: 'sets-1',
  labeled: { precisionAt: { 1: 0.5, 10: 0.4 }, queries: 9, items: 9, chance: 0.2 },
  proxy: { shifted: recall({ 1: 0.3, 10: 0.6 }), crossSource: recall({ 10: 0.2 }) },
  tiles: { shifted: recall({ 1: 0.2, 10: tiles10 }) },
  collapseStd,
  dim: 64,
  seconds: 1.5,
});

describe('gate records (gate.json)', () => {
  it('flattens every metric of a report under one key each, and nothing else', () => {
    assert.deepEqual(flattenReport(report(0.7, 0.05)), {
      collapse_std: 0.05,
      dim: 64,
      'labeled_precision@1': 0.5,
      'labeled_precision@10': 0.4,
      'proxy_shifted_recall@1': 0.3,
      'proxy_shifted_recall@10': 0.6,
      'proxy_cross_source_recall@10': 0.2,
      'tiles_shifted_recall@1': 0.2,
      'tiles_shifted_recall@10': 0.7,
    });
    assert.deepEqual(flattenReport({ datasetId: 'x', collapseStd: 0, dim: 8, seconds: 0 }), {
      collapse_std: 0,
      dim: 8,
    });
    assert.equal(metricKey({ task: 'crossSource', k: 5 }), 'proxy_cross_source_recall@5');
  });

  it('records the decision with both sides of the comparison and reads back what it wrote', () => {
    const candidate = report(0.7, 0.05);
    const current = report(0.5, 0.05);
    const primary = { task: 'tiles' as const, k: 10 };
    const decision = compareReports(candidate, current, { primary, minImprovement: 0.1 });
    const record = gateRecord({
      serving: 'ckpt-20000101000000-0123456789ab',
      primary,
      promotionMargin: 0.1,
      decision,
      candidate,
      current,
      now: new Date('2026-11-25T10:00:00Z'),
    });
    assert.equal(record.promote, true);
    assert.equal(record.primary, 'tiles shifted recall@10');
    assert.equal(record.candidate[record.primary_key], 0.7);
    assert.equal(record.serving_metrics[record.primary_key], 0.5);
    assert.deepEqual(parseGateRecord(encodeGateRecord(record), 'here'), record);
  });

  it('refuses anything that is not a gate record, saying where', () => {
    const bad = (e: unknown) => e instanceof AppError && e.code === registryErrorCodes.badGateRecord && !e.retriable;
    assert.throws(() => parseGateRecord(new TextEncoder().encode('{"v":1'), 'ckpt-x'), bad);
    assert.throws(() => parseGateRecord(new Uint8Array([0xff, 0xfe]), 'ckpt-x'), bad);
    assert.throws(
      () => parseGateRecord(new TextEncoder().encode('{"v":1,"promote":"yes"}'), 'ckpt-x'),
      (e: unknown) => bad(e) && /ckpt-x: gate\.json is no gate record/.test((e as Error).message),
    );
  });
});
