/**
 * The promotion gate: does a candidate checkpoint's report beat the current one's?
 *
 * Primary metric, by default recall@10 of the shifted-view place proxy. Why not labeled precision@10: the
 * labeled set scores crops of only 5 scenes in 2 classes, so its precision moves in large steps with a
 * single scene and would promote on noise; the proxy has ~130 held-out places, each an independent query
 * with one known answer. Why not the cross-source task: it asks for invariance between cloudy daily
 * imagery and a cloud-free composite, which the product does not need (it searches the clouds) and which
 * SSL on daily tiles is not expected to learn; it is reported, not gated on.
 *
 * Checks, all of which must pass:
 * 1. both reports were computed on the same evaluation sets (`datasetId`);
 * 2. the candidate has not collapsed: collapseStd · sqrt(dim) ≥ `minCollapseRatio` (1 ≈ spread evenly over
 *    the sphere, 0 = one vector for every input);
 * 3. primary(candidate) − primary(current) > `minImprovement` (a tie never promotes);
 * 4. labeled precision@k, when both reports have it, has not dropped by more than `maxLabeledDrop`.
 * With no current report (a first checkpoint) 1, 3 and 4 are skipped; callers should prefer to pass the
 * report of the random-initialised encoder as `current`, so a first checkpoint must at least beat that.
 */
import { ValidationError } from '../../errors/index.js';
import type { EvalReport } from './evaluate.js';

/** 'shifted' / 'crossSource': the mosaic place proxy; 'tiles': shifted views of a tile folder */
export type GateMetric = { task: 'shifted' | 'crossSource' | 'tiles' | 'labeled'; k: number };

export interface GatePolicy {
  primary: GateMetric;
  minImprovement: number;
  minCollapseRatio: number;
  maxLabeledDrop: number;
}

export const defaultGatePolicy: GatePolicy = {
  primary: { task: 'shifted', k: 10 },
  // ~1 query in 100: below this a "win" is one or two places flipping
  minImprovement: 0.01,
  minCollapseRatio: 0.1,
  maxLabeledDrop: 0.1,
};

export interface GateDecision {
  promote: boolean;
  reasons: string[];
}

export function metricName(m: GateMetric): string {
  if (m.task === 'labeled') return `labeled precision@${m.k}`;
  return m.task === 'tiles' ? `tiles shifted recall@${m.k}` : `${m.task} recall@${m.k}`;
}

/** The value of one metric in a report, or undefined when the report lacks it. */
export function readMetric(report: EvalReport, m: GateMetric): number | undefined {
  if (m.task === 'labeled') return report.labeled?.precisionAt[m.k];
  if (m.task === 'tiles') return report.tiles?.shifted.recallAt[m.k];
  return report.proxy?.[m.task]?.recallAt[m.k];
}

const fmt = (x: number) => x.toFixed(4);

export function compareReports(
  candidate: EvalReport,
  current: EvalReport | undefined,
  policy: Partial<GatePolicy> = {},
): GateDecision {
  const p: GatePolicy = { ...defaultGatePolicy, ...policy };
  if (!(p.minImprovement >= 0) || !(p.minCollapseRatio >= 0) || !(p.maxLabeledDrop >= 0)) {
    throw new ValidationError(`gate policy thresholds must be non-negative numbers: ${JSON.stringify(p)}`);
  }
  const reasons: string[] = [];
  let promote = true;
  const refuse = (why: string) => {
    promote = false;
    reasons.push(why);
  };
  const name = metricName(p.primary);

  const candValue = readMetric(candidate, p.primary);
  if (candValue === undefined) refuse(`candidate report has no ${name}`);

  const ratio = candidate.collapseStd * Math.sqrt(candidate.dim);
  if (!(ratio >= p.minCollapseRatio)) {
    refuse(
      `candidate has collapsed: collapse std ${fmt(candidate.collapseStd)} · sqrt(${candidate.dim}) = ${fmt(ratio)} < ${p.minCollapseRatio}`,
    );
  } else {
    reasons.push(
      `collapse std ${fmt(candidate.collapseStd)} · sqrt(${candidate.dim}) = ${fmt(ratio)} ≥ ${p.minCollapseRatio}`,
    );
  }

  if (current === undefined) {
    reasons.push('no current report: nothing to beat');
    return { promote, reasons };
  }
  if (candidate.datasetId !== current.datasetId) {
    refuse(
      `reports come from different evaluation sets (${candidate.datasetId} vs ${current.datasetId}): re-evaluate the current checkpoint on the same sets`,
    );
    return { promote, reasons };
  }
  const curValue = readMetric(current, p.primary);
  if (curValue === undefined) {
    refuse(`current report has no ${name}`);
  } else if (candValue !== undefined) {
    const delta = candValue - curValue;
    const line = `${name}: candidate ${fmt(candValue)} vs current ${fmt(curValue)} (Δ ${delta >= 0 ? '+' : ''}${fmt(delta)}, needs > ${p.minImprovement})`;
    if (delta > p.minImprovement) reasons.push(line);
    else refuse(`not better: ${line}`);
  }

  const k = p.primary.k;
  const candLabeled = candidate.labeled?.precisionAt[k];
  const curLabeled = current.labeled?.precisionAt[k];
  if (p.primary.task !== 'labeled' && candLabeled !== undefined && curLabeled !== undefined) {
    const line = `labeled precision@${k}: candidate ${fmt(candLabeled)} vs current ${fmt(curLabeled)} (may drop at most ${p.maxLabeledDrop})`;
    if (curLabeled - candLabeled > p.maxLabeledDrop) refuse(`labeled precision dropped: ${line}`);
    else reasons.push(line);
  }
  return { promote, reasons };
}
