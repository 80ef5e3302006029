import { Counter, Histogram, type Registry } from 'prom-client';

export type TileOutcome = 'fetched' | 'blank' | 'unchanged' | 'failed';

/** What the harvester reports to Prometheus; built on the process registry by the composition root. */
export interface HarvesterMetrics {
  tiles: Counter<'outcome'>;
  bytes: Counter;
  retries: Counter<'code'>;
  fetchSeconds: Histogram;
  harvests: Counter<'result'>;
}

export function createHarvesterMetrics(registry: Registry): HarvesterMetrics {
  const registers = [registry];
  return {
    tiles: new Counter({
      name: 'gibs_embed_harvester_tiles_total',
      help: 'Tiles handled by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    bytes: new Counter({
      name: 'gibs_embed_harvester_bytes_total',
      help: 'Bytes of tiles fetched and stored',
      registers,
    }),
    retries: new Counter({
      name: 'gibs_embed_harvester_request_retries_total',
      help: 'GIBS request retries by error code',
      labelNames: ['code'],
      registers,
    }),
    fetchSeconds: new Histogram({
      name: 'gibs_embed_harvester_fetch_seconds',
      help: 'Time to fetch one tile, retries included',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    harvests: new Counter({
      name: 'gibs_embed_harvester_runs_total',
      help: 'Harvest runs by result',
      labelNames: ['result'],
      registers,
    }),
  };
}
