import type { Bbox } from '../tiles/index.js';

/** Worldview, NASA's browser for GIBS imagery: where a permalink opens a layer on a date over an extent. */
export const WORLDVIEW_URL = 'https://worldview.earthdata.nasa.gov/';

/**
 * A Worldview permalink showing `layer` on `date` (YYYY-MM-DD, or an RFC 3339 instant whose date part is used)
 * zoomed to `bbox` [minLon, minLat, maxLon, maxLat], with coastlines over it. Worldview's state parameters:
 * `v` the viewport, `l` the layers (top first), `t` the time.
 */
export function worldviewUrl(tile: { layer: string; date: string; bbox: Bbox }): string {
  const day = tile.date.slice(0, 10);
  const view = tile.bbox.map((v) => Number(v.toFixed(4))).join(',');
  const params = new URLSearchParams({ v: view, l: `${tile.layer},Coastlines_15m`, t: `${day}-T00:00:00Z` });
  return `${WORLDVIEW_URL}?${params.toString()}`;
}
