import { alertErrorCodes, type AlertRecord, type AlertStore, type NewAlert } from '../../shared/alerts/index.js';
import {
  commitOwned,
  nextOffsets,
  parseRecord,
  produceTyped,
  toDlqMessage,
  type Bus,
  type BusConsumer,
  type BusRecord,
  type TopicPayload,
  type TypedMessage,
} from '../../shared/bus/index.js';
import { AbortedError, AppError, describeError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/log/index.js';
import { retryUntilStopped, type RetryUntilStoppedOptions } from '../../shared/retry/index.js';
import { matchesFilter } from '../../shared/store/index.js';
import { alerterErrorCodes } from './alerter-errors.js';
import type { AlerterMetrics, SuppressReason } from './alerter-metrics.js';
import type { RuleBook } from './rule-book.js';
import { scoreTiles, type ScoredRule } from './rule-matrix.js';
import { tileAgeDays } from './tile-age.js';

export const EMBEDDED_TOPIC = 'tiles.embedded';
export const ALERTS_TOPIC = 'alerts';
export const DLQ_TOPIC = 'tiles.dlq';

/** the alert store's own failures: never a reason to DLQ a tile (the store is this process's, not the tile's, problem) */
const storeCodes = new Set<string>(Object.values(alertErrorCodes));

export interface BatchDeps {
  bus: Bus;
  store: AlertStore;
  rules: RuleBook;
  log: Logger;
  metrics?: AlerterMetrics;
  now: () => Date;
  pause: RetryUntilStoppedOptions;
  /** told after alerts were recorded (the webhook loop looks for due deliveries at once) */
  onAlerts?: (alerts: readonly AlertRecord[]) => void;
}

export interface BatchOptions {
  /** a tile dated more than this many UTC days before today never alerts */
  maxAgeDays: number;
}

export interface BatchSummary {
  scored: number;
  alerts: number;
  dlq: number;
}

interface Tile {
  /** position in the batch: matches are recorded in offset order, so cooldowns favour the earlier tile */
  index: number;
  message: TopicPayload<'tiles.embedded'>;
  vector: Float32Array;
}

interface Match {
  tile: Tile;
  scored: ScoredRule;
  score: number;
}

/**
 * One batch of tiles.embedded, in the order that makes a crash anywhere harmless (DESIGN.md "Delivery
 * semantics"): parse (bad → DLQ), skip what is not new imagery (older than maxAgeDays, or these bytes already
 * scored under any model), score every tile against every enabled rule per model at once, record each match
 * (atomic dedupe + cooldown in the store), produce the recorded alerts, mark the tiles scored, then commit.
 * A redelivered batch finds its tiles scored, or — when the crash came between recording and marking — its
 * matches recorded: the store answers `duplicate` and the alert is produced again with its original id (the
 * alerts topic is at-least-once like every topic; its consumers dedupe by alert id). Retriable failures pause
 * and retry step by step, so a retry never redoes a finished step.
 */
export async function processBatch(
  records: readonly BusRecord[],
  consumer: BusConsumer,
  deps: BatchDeps,
  options: BatchOptions,
): Promise<BatchSummary> {
  const retry = <T>(what: string, op: () => Promise<T>) => retryUntilStopped(what, op, deps.pause);
  const suppress = (reason: SuppressReason, n = 1) => deps.metrics?.suppressed.inc({ reason }, n);
  const now = deps.now();
  const dlq: Array<TypedMessage<'tiles.dlq'>> = [];
  const toDlq = (record: BusRecord, code: string, reason: string) => dlq.push(toDlqMessage(record, code, reason, now));

  const candidates: Tile[] = [];
  const seen = new Set<string>();
  records.forEach((record, index) => {
    const parsed = parseRecord('tiles.embedded', record);
    if (!parsed.ok) return toDlq(record, parsed.code, parsed.reason);
    const message = parsed.value;
    if (tileAgeDays(message.payload.date, now) > options.maxAgeDays) return suppress('backfill');
    // the same bytes twice in one batch (two models' collections during a switch): scored once
    const bytesKey = `${message.id}/${message.payload.sha256}`;
    if (seen.has(bytesKey)) return suppress('already-scored');
    seen.add(bytesKey);
    candidates.push({ index, message, vector: Float32Array.from(message.vector) });
  });

  const scoredBefore = await retry('reading which tiles were scored', async () => {
    const flags: boolean[] = [];
    for (const tile of candidates) flags.push(await deps.store.wasScored(tile.message.id, tile.message.payload.sha256));
    return flags;
  });
  const fresh = candidates.filter((_, i) => !scoredBefore[i]);
  suppress('already-scored', candidates.length - fresh.length);

  await retry('reading the alert rules', () => deps.rules.refresh());
  const byModel = new Map<string, Tile[]>();
  for (const tile of fresh) {
    const group = byModel.get(tile.message.model);
    if (group) group.push(tile);
    else byModel.set(tile.message.model, [tile]);
  }
  const scored: Tile[] = [];
  const matches: Match[] = [];
  for (const [model, tiles] of byModel) {
    const matrix = await retry(`preparing the rules for model ${model}`, () => deps.rules.matrixFor(model)).catch(
      (error: unknown) => {
        if (!(error instanceof AppError) || error instanceof AbortedError || storeCodes.has(error.code)) throw error;
        // not retriable: the model cannot be loaded (not in the registry, damaged), so these tiles cannot be scored
        for (const tile of tiles)
          toDlq(
            records[tile.index],
            error.code,
            `rules cannot be prepared for model ${model}: ${describeError(error)}`,
          );
        return undefined;
      },
    );
    if (!matrix) continue;
    if (matrix.rules.length === 0) {
      scored.push(...tiles);
      continue;
    }
    const usable = tiles.filter((tile) => {
      if (tile.vector.length === matrix.dim) return true;
      toDlq(
        records[tile.index],
        alerterErrorCodes.dimensionMismatch,
        `vector of dimension ${tile.vector.length}, but model ${model}'s reference vectors have ${matrix.dim}`,
      );
      return false;
    });
    const t0 = performance.now();
    const scores = scoreTiles(
      matrix,
      usable.map((t) => t.vector),
    );
    const k = matrix.rules.length;
    usable.forEach((tile, t) => {
      for (let r = 0; r < k; r++) {
        const score = scores[t * k + r];
        const candidate = matrix.rules[r];
        if (score < candidate.rule.threshold) continue;
        if (candidate.filter && !matchesFilter(candidate.filter, tile.message)) continue;
        matches.push({ tile, scored: candidate, score });
      }
    });
    deps.metrics?.scoringSeconds.observe((performance.now() - t0) / 1000);
    scored.push(...usable);
  }
  matches.sort((a, b) => a.tile.index - b.tile.index);

  const raised: AlertRecord[] = [];
  let recordedNow = 0;
  for (const match of matches) {
    const alert: NewAlert = {
      ruleId: match.scored.rule.id,
      tileId: match.tile.message.id,
      sha256: match.tile.message.payload.sha256,
      model: match.tile.message.model,
      score: match.score,
      payload: match.tile.message.payload,
      alertedAt: now.toISOString(),
    };
    const result = await retry('recording an alert', () => deps.store.recordAlert(alert));
    if (result.recorded) {
      raised.push(result.alert);
      recordedNow++;
      continue;
    }
    suppress(result.reason);
    // recorded by an earlier run of this batch that stopped before marking the tile scored: produce it again
    if (result.reason === 'duplicate') raised.push(result.alert);
  }
  if (raised.length > 0) {
    await retry('producing alerts', () =>
      produceTyped(
        deps.bus,
        ALERTS_TOPIC,
        raised.map((a) => ({ key: a.ruleId, value: alertMessage(a) })),
      ),
    );
    deps.onAlerts?.(raised);
  }
  if (dlq.length > 0) {
    await retry('producing to tiles.dlq', () => produceTyped(deps.bus, DLQ_TOPIC, dlq));
    for (const message of dlq) {
      deps.metrics?.dlq.inc({ code: message.value.code });
      deps.log.warn(
        { code: message.value.code, reason: message.value.reason, offset: message.value.source_offset },
        'alerter: record sent to tiles.dlq',
      );
    }
  }
  // one transaction for the batch: a durable commit per tile would cap the alerter at a few hundred tiles/s
  const marks = scored.map((t) => ({ tileId: t.message.id, sha256: t.message.payload.sha256, model: t.message.model }));
  if (marks.length > 0) await retry('marking the tiles scored', () => deps.store.markScoredMany(marks, now));
  const moved = await retry('committing offsets', () => commitOwned(consumer, nextOffsets([...records])));
  if (moved.length > 0)
    deps.log.info(
      { partitions: moved.map((o) => `${o.topic}/${o.partition}`) },
      'alerter: partitions moved before commit; their new owner redoes their records',
    );
  const scoredSet = new Set(scored);
  for (const [model, tiles] of byModel)
    deps.metrics?.tilesScored.inc({ model }, tiles.filter((t) => scoredSet.has(t)).length);
  deps.metrics?.alertsRaised.inc(recordedNow);
  return { scored: scored.length, alerts: recordedNow, dlq: dlq.length };
}

/** the alerts topic's message for a recorded alert */
export function alertMessage(alert: AlertRecord): TopicPayload<'alerts'> {
  return {
    v: 1,
    id: alert.id,
    rule_id: alert.ruleId,
    tile_id: alert.tileId,
    model: alert.model,
    score: alert.score,
    payload: alert.payload,
    alerted_at: alert.alertedAt,
  };
}
