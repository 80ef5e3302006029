import { alertJson, type AlertRecord, type AlertRule, type Delivery } from '../../../shared/alerts/index.js';
import type { AlertJson } from './alert-schemas.js';

/**
 * Pure mappers from the alert store's records to the contract's JSON (Immich's `mapAlbum`): routes and the live
 * stream answer with these, never with raw records, so one alert reads the same everywhere.
 */

/** The alert as the contract shows it: the one shape of shared/alerts (also a webhook's body). */
export function toAlertJson(alert: AlertRecord): AlertJson {
  return alertJson(alert);
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
