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
} from './alert-store.js';
