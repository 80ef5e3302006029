import type { AlertRecord, AlertRule, Delivery } from '../../../shared/alerts/index.js';
import { worldviewUrl } from '../../../shared/gibs/index.js';
import type { Bbox } from '../../../shared/tiles/index.js';
import type { AlertJson } from './alert-schemas.js';

/**
 * Pure mappers from the alert store's records to the contract's JSON (Immich's `mapAlbum`): routes and the live
 * stream answer with these, never with raw records, so one alert reads the same everywhere.
 */

export function toAlertJson(alert: AlertRecord): AlertJson {
  return {
    id: alert.id,
    ruleId: alert.ruleId,
    tileId: alert.tileId,
    sha256: alert.sha256,
    model: alert.model,
    score: alert.score,
    payload: alert.payload,
    alertedAt: alert.alertedAt,
    thumbnailUrl: `/v1/tiles/${alert.tileId}/thumbnail`,
    worldviewUrl: worldviewUrl({
      layer: alert.payload.layer,
      date: alert.payload.date,
      bbox: alert.payload.bbox as Bbox,
    }),
  };
}

/** The rule as the contract shows it (copies, so a caller cannot change the store's objects). */
export function toRuleJson(rule: AlertRule): AlertRule {
  return {
    ...rule,
    references: rule.references.map((r) => ({ ...r })),
    filter: rule.filter === null ? null : { ...rule.filter },
  };
}

export function toDeliveryJson(delivery: Delivery): Delivery {
  return { ...delivery, attempts: delivery.attempts.map((a) => ({ ...a })) };
}
