/** Tableau 10: categories (layers) that stay apart on a dark background. */
const CATEGORICAL = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

/** Viridis stops, for dates from oldest (dark blue) to newest (yellow). */
const SEQUENTIAL: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

export interface ColourScale {
  colour(value: string): string;
  /** legend entries: a colour and its label (categories, or the two ends of the date range) */
  legend: { colour: string; label: string }[];
  /** a CSS gradient for a sequential scale, null for categories */
  gradient: string | null;
}

export function categoricalScale(values: readonly string[]): ColourScale {
  const categories = [...new Set(values)].sort();
  const colours = new Map(categories.map((value, i) => [value, CATEGORICAL[i % CATEGORICAL.length]]));
  return {
    colour: (value) => colours.get(value) ?? '#888',
    legend: categories.map((value) => ({ colour: colours.get(value) ?? '#888', label: value })),
    gradient: null,
  };
}

/**
 * Dates (YYYY-MM-DD…) by their rank among the distinct dates, oldest dark blue to newest yellow: an index holds a
 * few harvested days far apart, and spacing colours by time would paint all but the oldest the same.
 */
export function dateScale(values: readonly string[]): ColourScale {
  const days = [...new Set(values.map((value) => value.slice(0, 10)))].sort();
  const rank = new Map(days.map((d, i) => [d, days.length === 1 ? 1 : i / (days.length - 1)]));
  const colourAt = (x: number): string => {
    const scaled = x * (SEQUENTIAL.length - 1);
    const i = Math.min(SEQUENTIAL.length - 2, Math.floor(scaled));
    const f = scaled - i;
    const [a, b] = [SEQUENTIAL[i], SEQUENTIAL[i + 1]];
    return `rgb(${a.map((v, k) => Math.round(v + (b[k] - v) * f)).join(',')})`;
  };
  const first = days[0] ?? '';
  const last = days[days.length - 1] ?? '';
  return {
    colour: (value) => colourAt(rank.get(value.slice(0, 10)) ?? 0),
    legend: [
      { colour: colourAt(0), label: first },
      { colour: colourAt(1), label: days.length > 2 ? `${last} (${days.length} days)` : last },
    ],
    gradient: `linear-gradient(to right, ${SEQUENTIAL.map((c) => `rgb(${c.join(',')})`).join(', ')})`,
  };
}
