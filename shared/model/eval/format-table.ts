/**
 * Side-by-side text table of evaluation reports (model, random-init encoder, colour histogram), with the
 * random-ranking chance level in the last column, for `gibs-embed eval`.
 */
import type { EvalReport } from './evaluate.js';

export interface NamedReport {
  name: string;
  report: EvalReport;
}

type Row = { metric: string; values: (number | undefined)[]; chance?: number; digits?: number };

export function formatEvalTable(rows: readonly NamedReport[]): string {
  if (rows.length === 0) return '(no reports)';
  const ks = [
    ...new Set(
      rows.flatMap(({ report: r }) =>
        [
          ...Object.keys(r.labeled?.precisionAt ?? {}),
          ...Object.keys(r.proxy?.shifted.recallAt ?? {}),
          ...Object.keys(r.tiles?.shifted.recallAt ?? {}),
        ].map(Number),
      ),
    ),
  ].sort((a, b) => a - b);
  const first = rows[0].report;
  const table: Row[] = [];
  for (const k of ks) {
    table.push({
      metric: `labeled precision@${k}`,
      values: rows.map(({ report }) => report.labeled?.precisionAt[k]),
      chance: first.labeled?.chance,
    });
  }
  for (const task of ['shifted', 'crossSource'] as const) {
    for (const k of ks) {
      table.push({
        metric: `${task === 'shifted' ? 'shifted-view' : 'cross-source'} recall@${k}`,
        values: rows.map(({ report }) => report.proxy?.[task]?.recallAt[k]),
        chance: first.proxy?.[task]?.chance[k],
      });
    }
  }
  for (const k of ks) {
    table.push({
      metric: `tiles shifted-view recall@${k}`,
      values: rows.map(({ report }) => report.tiles?.shifted.recallAt[k]),
      chance: first.tiles?.shifted.chance[k],
    });
  }
  table.push({ metric: 'collapse std', values: rows.map(({ report }) => report.collapseStd) });
  table.push({
    metric: 'collapse std · sqrt(dim)',
    values: rows.map(({ report }) => report.collapseStd * Math.sqrt(report.dim)),
    chance: 1,
  });
  table.push({ metric: 'dim', values: rows.map(({ report }) => report.dim), digits: 0 });
  table.push({ metric: 'seconds', values: rows.map(({ report }) => report.seconds), digits: 1 });

  const cell = (v: number | undefined, digits = 3) => (v === undefined ? '—' : v.toFixed(digits));
  const header = ['metric', ...rows.map((r) => r.name), 'chance'];
  const body = table
    .filter((r) => r.values.some((v) => v !== undefined))
    .map((r) => [
      r.metric,
      ...r.values.map((v) => cell(v, r.digits)),
      r.chance === undefined ? '' : cell(r.chance, r.digits),
    ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((line) => line[c].length)));
  const render = (line: string[]) =>
    line
      .map((s, c) => (c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c])))
      .join('  ')
      .trimEnd();
  const notes: string[] = [];
  if (first.labeled) notes.push(`labeled: ${first.labeled.items} crops, ${first.labeled.queries} scored queries`);
  if (first.proxy) {
    const cross = first.proxy.crossSource
      ? `, ${first.proxy.crossSource.queries} cross-source places`
      : ', no cross-source mosaic';
    notes.push(`proxy: ${first.proxy.shifted.queries} shifted-view places${cross}`);
  }
  if (first.tiles) notes.push(`tiles: ${first.tiles.shifted.queries} held-out tiles`);
  return [
    render(header),
    render(widths.map((w) => '-'.repeat(w))),
    ...body.map(render),
    ...(notes.length ? ['', notes.join('; ')] : []),
  ].join('\n');
}
