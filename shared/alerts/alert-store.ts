import type { Bbox } from '../tiles/index.js';
import type { TilePayload } from '../store/index.js';

/**
 * The alert store port: reference-event rules, their reference vectors per model, the alert history and the
 * webhook delivery log. The API (rule CRUD, history, live stream) and the alerter (scoring, recording,
 * delivering) both use it, each from its own process when scaled out.
 *
 * Backend: `SqliteAlertStore` (better-sqlite3, WAL, synchronous=FULL: durable when a call resolves; several
 * processes may open one file). It passes `test/contract/alert-store.contract.ts`.
 *
 * Semantics:
 * - Rule ids are UUIDs made by the store; `revision` starts at 1 and grows by one with every update, so a
 *   reference vector cached for an older revision (or another model) is never used.
 * - A rule's references are kept as image bytes (a tile reference's bytes are copied from the tile store when
 *   the rule is made), so the rule can be re-embedded with any later model.
 * - `recordAlert` is atomic: idempotent by (rule, tile, sha256) and honouring the rule's cooldown against the
 *   rule's previous alerts, so two alerters racing on one tile record it once (the loser gets the winner's alert
 *   back with reason `duplicate`). Checked in this order: unknown (or deleted) rule, duplicate, cooldown (silent while a previous alert of the rule has alertedAt >
 *   new alertedAt - cooldownSeconds: an alert exactly cooldownSeconds later is recorded; 0 never silences).
 *   `enabled` is the scorer's business: the store records for a disabled rule too.
 * - Reference vectors: those of an older revision stay readable until vectors for a newer one are put (an
 *   update that keeps the references may copy them), then are deleted; a put for a revision that is no longer
 *   current is dropped.
 * - Deliveries: `dueDeliveries` claims what it returns for a lease (SqliteAlertStore: 15 min by default), so
 *   several alerters do not send one delivery twice; a claimer that dies leaves it due again after the lease.
 * - Bad arguments are ValidationErrors; I/O failures AppErrors with codes from alert-errors.ts (retriable when
 *   the disk may recover: full, busy).
 */

/** What part of the world and which layers a rule watches; every field optional (absent: everything). */
export interface RuleFilter {
  /** the tile's footprint intersects the box (minLon > maxLon crosses the antimeridian) */
  bbox?: Bbox;
  /** the tile's centre within radiusKm of the point */
  near?: { lon: number; lat: number; radiusKm: number };
  layers?: string[];
  /** tile matrix levels */
  levels?: number[];
}

/** One reference of a rule as it is described (its bytes are read with `referenceImages`). */
export interface RuleReference {
  kind: 'tile' | 'image';
  /** the point id, for a tile reference */
  tileId?: string;
  /** a file name or "tile <id>", for people */
  label: string;
  /** of the reference image bytes */
  sha256: string;
  bytes: number;
}

export interface NewRuleReference {
  kind: 'tile' | 'image';
  tileId?: string;
  label: string;
  bytes: Uint8Array;
}

export interface NewAlertRule {
  name: string;
  /** 1..32 references (one reference event) */
  references: NewRuleReference[];
  /** a tile alerts when its cosine similarity to the closest reference is at least this (-1..1) */
  threshold: number;
  filter?: RuleFilter;
  /** after an alert the rule stays silent this long (0 = never) */
  cooldownSeconds: number;
  /** http(s) URL; absent: no webhook (alerts still go to the history, the bus and the live stream) */
  webhookUrl?: string;
  enabled: boolean;
}

export interface AlertRule {
  id: string;
  name: string;
  references: RuleReference[];
  threshold: number;
  filter: RuleFilter | null;
  cooldownSeconds: number;
  webhookUrl: string | null;
  enabled: boolean;
  revision: number;
  /** RFC 3339 */
  createdAt: string;
  updatedAt: string;
}

/** Fields an update may change; `references` replaces them all. */
export type AlertRulePatch = Partial<Omit<NewAlertRule, 'filter' | 'webhookUrl'>> & {
  filter?: RuleFilter | null;
  webhookUrl?: string | null;
};

export interface AlertRecord {
  /** the history's sequence number as a decimal string (increasing: the live stream's Last-Event-ID) */
  id: string;
  ruleId: string;
  tileId: string;
  sha256: string;
  model: string;
  score: number;
  payload: TilePayload;
  /** RFC 3339, as given to recordAlert */
  alertedAt: string;
}

export type NewAlert = Omit<AlertRecord, 'id'>;

export type RecordAlertResult =
  | { recorded: true; alert: AlertRecord }
  /**
   * this rule already alerted on this tile's bytes; `alert` is that earlier alert, as recorded (its id, score and
   * time), so a redelivered batch can produce it again under its own id
   */
  | { recorded: false; reason: 'duplicate'; alert: AlertRecord }
  /** cooldown: the rule alerted too recently; unknown-rule: no such rule (or it was deleted) */
  | { recorded: false; reason: 'cooldown' | 'unknown-rule' };

/** A tile's bytes as scored under one model (markScoredMany). */
export interface ScoredTile {
  tileId: string;
  sha256: string;
  model: string;
}

export interface DeliveryAttempt {
  /** RFC 3339 */
  at: string;
  /** the HTTP status, when one came back */
  status?: number;
  /** why it failed, when it did */
  error?: string;
  durationMs: number;
}

export interface Delivery {
  id: string;
  alertId: string;
  ruleId: string;
  url: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: DeliveryAttempt[];
  /** RFC 3339; when the next attempt is due (pending only) */
  nextAttemptAt: string | null;
}

export interface AlertStore {
  /**
   * Makes the rule and its webhook signing secret (returned here only; kept to sign deliveries, also when a
   * webhook URL is added later). A filter with no fields is kept as null. The webhook URL is checked for form
   * only (http/https); whether its host is public is checkWebhookUrl's job (shared/http), done by the caller.
   */
  createRule(rule: NewAlertRule, now: Date): Promise<{ rule: AlertRule; webhookSecret: string }>;
  getRule(id: string): Promise<AlertRule | undefined>;
  /** oldest first */
  listRules(): Promise<AlertRule[]>;
  /** undefined when no such rule; bumps `revision`; unknown patch fields are refused */
  updateRule(id: string, patch: AlertRulePatch, now: Date): Promise<AlertRule | undefined>;
  /** false when no such rule; its history stays, its references and vectors go, its pending deliveries fail */
  deleteRule(id: string): Promise<boolean>;
  /** the references' image bytes, in the rule's order */
  referenceImages(ruleId: string): Promise<Array<{ label: string; bytes: Uint8Array }>>;
  webhookSecret(ruleId: string): Promise<string | undefined>;

  /** the rule's reference vectors under `model` for `revision` (one per reference, in order), if stored */
  getReferenceVectors(ruleId: string, model: string, revision: number): Promise<Float32Array[] | undefined>;
  /** one finite vector per reference, all of one dimension; dropped when `revision` is not the rule's current one */
  putReferenceVectors(ruleId: string, model: string, revision: number, vectors: Float32Array[]): Promise<void>;

  /** whether a tile with these bytes was already scored (under any model): re-harvests and re-deliveries skip */
  wasScored(tileId: string, sha256: string): Promise<boolean>;
  markScored(tileId: string, sha256: string, model: string, now: Date): Promise<void>;
  /**
   * markScored for every item, in one transaction: all are marked or none (a batch costs one durable commit,
   * not one per tile). Every item is checked before anything is written; an empty list writes nothing. The same
   * (tileId, sha256) twice: the later item's model is kept.
   */
  markScoredMany(items: readonly ScoredTile[], now: Date): Promise<void>;

  /**
   * Records the alert unless it is a duplicate or inside the rule's cooldown (atomic); with a webhook URL on
   * the rule, a pending delivery is queued in the same transaction.
   */
  recordAlert(alert: NewAlert): Promise<RecordAlertResult>;
  /** the history, oldest first after `after` (a sequence id; '0' or absent: from the start), at most `limit` (1..1000) */
  listAlerts(query: { ruleId?: string; after?: string; limit: number }): Promise<AlertRecord[]>;
  /** undefined also for an id that is not a sequence number */
  getAlert(id: string): Promise<AlertRecord | undefined>;

  /** pending deliveries due at `now`, oldest first, at most `limit` (1..1000); claimed (see above) */
  dueDeliveries(now: Date, limit: number): Promise<Delivery[]>;
  /**
   * Appends the attempt and moves the delivery on: delivered (2xx), failed for good, or pending again at
   * `nextAttemptAt`. A delivery already delivered or failed keeps its state (the attempt is still logged). An
   * unknown id is an AppError ALERTS_UNKNOWN_DELIVERY.
   */
  recordAttempt(
    deliveryId: string,
    attempt: DeliveryAttempt,
    outcome: { state: 'delivered' | 'failed' } | { state: 'pending'; nextAttemptAt: Date },
  ): Promise<void>;
  /** oldest first, at most `limit` (1..1000) */
  listDeliveries(query: { alertId?: string; ruleId?: string; limit: number }): Promise<Delivery[]>;

  /** idempotent; every other call afterwards is an AppError ALERTS_CLOSED */
  close(): Promise<void>;
}
