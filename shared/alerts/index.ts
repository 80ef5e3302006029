export type {
  AlertRecord,
  AlertRule,
  AlertRulePatch,
  AlertStore,
  Delivery,
  DeliveryAttempt,
  NewAlert,
  NewAlertRule,
  NewRuleReference,
  RecordAlertResult,
  RuleFilter,
  RuleReference,
  ScoredTile,
} from './alert-store.js';
export { alertErrorCodes, alertError, type AlertErrorCode } from './alert-errors.js';
export {
  MAX_REFERENCES,
  MAX_COOLDOWN_SECONDS,
  MAX_RULE_NAME_LENGTH,
  MAX_REFERENCE_BYTES,
  MAX_PAGE,
  MAX_LABEL_LENGTH,
  MAX_WEBHOOK_URL_LENGTH,
} from './alert-validation.js';
export { SqliteAlertStore, type SqliteAlertStoreOptions } from './sqlite-alert-store.js';
export { createAlertStore, type AlertStoreOptions } from './create-alert-store.js';
export { ruleFilterToFilter, validateRuleFilter, normaliseRuleFilter } from './rule-filter.js';
export {
  signWebhook,
  verifyWebhook,
  WEBHOOK_HEADERS,
  WEBHOOK_ALERT_EVENT,
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
} from './webhook-signature.js';
export { alertJson, type AlertJson } from './alert-json.js';
