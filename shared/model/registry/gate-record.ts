import { z } from 'zod';
import { AppError } from '../../errors/index.js';
import { metricName, type EvalReport, type GateDecision, type GateMetric } from '../eval/index.js';
import { registryErrorCodes } from './registry-errors.js';

/** The file a candidate checkpoint carries with its evaluation: what the gate saw and decided. */
export const GATE_FILE = 'gate.json';

const Metrics = z.record(z.string(), z.number());

export const gateRecordSchema = z.strictObject({
  v: z.literal(1),
  evaluated_at: z.iso.datetime(),
  /** the serving checkpoint the candidate was compared with */
  serving: z.string().min(1),
  /** the gate's primary metric, as metricName writes it */
  primary: z.string().min(1),
  /** the key of the primary metric in `candidate` and `serving_metrics` */
  primary_key: z.string().min(1),
  promotion_margin: z.number().min(0),
  promote: z.boolean(),
  reasons: z.array(z.string()),
  candidate: Metrics,
  serving_metrics: Metrics,
});

export type GateRecord = z.output<typeof gateRecordSchema>;

/** The flat key of one metric, as reports are flattened (e.g. 'tiles_shifted_recall@10'). */
export function metricKey(m: GateMetric): string {
  if (m.task === 'labeled') return `labeled_precision@${m.k}`;
  if (m.task === 'tiles') return `tiles_shifted_recall@${m.k}`;
  return m.task === 'shifted' ? `proxy_shifted_recall@${m.k}` : `proxy_cross_source_recall@${m.k}`;
}

/** An evaluation report as flat name → number pairs (what the `models` topic and `models list` carry). */
export function flattenReport(report: EvalReport): Record<string, number> {
  const out: Record<string, number> = { collapse_std: report.collapseStd, dim: report.dim };
  const put = (task: GateMetric['task'], values: Record<number, number> | undefined) => {
    for (const [k, value] of Object.entries(values ?? {})) out[metricKey({ task, k: Number(k) })] = value;
  };
  put('labeled', report.labeled?.precisionAt);
  put('shifted', report.proxy?.shifted.recallAt);
  put('crossSource', report.proxy?.crossSource?.recallAt);
  put('tiles', report.tiles?.shifted.recallAt);
  return out;
}

export interface GateRecordInput {
  serving: string;
  primary: GateMetric;
  promotionMargin: number;
  decision: GateDecision;
  candidate: EvalReport;
  current: EvalReport;
  now: Date;
}

export function gateRecord(input: GateRecordInput): GateRecord {
  return {
    v: 1,
    evaluated_at: input.now.toISOString(),
    serving: input.serving,
    primary: metricName(input.primary),
    primary_key: metricKey(input.primary),
    promotion_margin: input.promotionMargin,
    promote: input.decision.promote,
    reasons: [...input.decision.reasons],
    candidate: flattenReport(input.candidate),
    serving_metrics: flattenReport(input.current),
  };
}

export function encodeGateRecord(record: GateRecord): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(record, null, 2)}\n`);
}

/** Parses a checkpoint's gate.json; anything else than a gate record → 'BAD_GATE_RECORD'. */
export function parseGateRecord(bytes: Uint8Array, where: string): GateRecord {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new AppError(registryErrorCodes.badGateRecord, `${where}: ${GATE_FILE} is not JSON text`, {
      retriable: false,
      cause,
    });
  }
  const parsed = gateRecordSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new AppError(
      registryErrorCodes.badGateRecord,
      `${where}: ${GATE_FILE} is no gate record: ${issues.join('; ')}`,
      {
        retriable: false,
        cause: parsed.error,
      },
    );
  }
  return parsed.data;
}
