import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Why a tile or a match did not become an alert (the `reason` label of `suppressed`). */
export type SuppressReason = 'backfill' | 'already-scored' | 'duplicate' | 'cooldown' | 'unknown-rule';

/** How a webhook delivery attempt ended (the `outcome` label of `deliveries`). */
export type DeliveryOutcome = 'delivered' | 'retry' | 'failed' | 'refused';

/** What the alerter reports to Prometheus; built on the process registry by the composition root. */
export interface AlerterMetrics {
  /** tiles scored against the rules, per model */
  tilesScored: Counter<'model'>;
  alertsRaised: Counter;
  /** tiles skipped (backfill, already scored) and matches not recorded (duplicate, cooldown, rule gone) */
  suppressed: Counter<'reason'>;
  /** webhook delivery attempts by outcome */
  deliveries: Counter<'outcome'>;
  /** group lag per partition of tiles.embedded (end − committed) */
  lag: Gauge<'topic' | 'partition'>;
  /** one batch's tiles × reference matrix product and per-rule maximum */
  scoringSeconds: Histogram;
  /** rules' reference images embedded with a model (a new rule, a changed rule, a new model) */
  referencesEmbedded: Counter<'model'>;
  /** enabled rules in the last read of the store */
  rules: Gauge;
  dlq: Counter<'code'>;
  pauses: Counter<'code'>;
}

export function createAlerterMetrics(registry: Registry): AlerterMetrics {
  const registers = [registry];
  return {
    tilesScored: new Counter({
      name: 'gibs_embed_alerter_tiles_scored_total',
      help: 'New tiles scored against every enabled rule, per model (rate() gives tiles/s)',
      labelNames: ['model'],
      registers,
    }),
    alertsRaised: new Counter({
      name: 'gibs_embed_alerter_alerts_total',
      help: 'Alerts recorded in the history and produced on the alerts topic',
      registers,
    }),
    suppressed: new Counter({
      name: 'gibs_embed_alerter_suppressed_total',
      help: 'Tiles not scored (backfill, already-scored) and matches not alerted (duplicate, cooldown, unknown-rule)',
      labelNames: ['reason'],
      registers,
    }),
    deliveries: new Counter({
      name: 'gibs_embed_alerter_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (delivered, retry, failed, refused)',
      labelNames: ['outcome'],
      registers,
    }),
    lag: new Gauge({
      name: 'gibs_embed_alerter_consumer_lag',
      help: 'Messages of tiles.embedded not yet committed by the alerter group, per partition',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    scoringSeconds: new Histogram({
      name: 'gibs_embed_alerter_scoring_seconds',
      help: 'Time to score one batch against every rule (matrix product and per-rule maximum)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    referencesEmbedded: new Counter({
      name: 'gibs_embed_alerter_references_embedded_total',
      help: 'Rules whose reference images were embedded with a model (new or changed rule, new model)',
      labelNames: ['model'],
      registers,
    }),
    rules: new Gauge({
      name: 'gibs_embed_alerter_rules',
      help: 'Enabled alert rules as last read from the store',
      registers,
    }),
    dlq: new Counter({
      name: 'gibs_embed_alerter_dlq_total',
      help: 'tiles.embedded records sent to tiles.dlq, by reason code',
      labelNames: ['code'],
      registers,
    }),
    pauses: new Counter({
      name: 'gibs_embed_alerter_pauses_total',
      help: 'Waits before retrying after a retriable failure (store busy, bus down), by error code',
      labelNames: ['code'],
      registers,
    }),
  };
}
