import { alertJson, type AlertJson, type AlertRecord } from '../../../shared/alerts/index.js';

/** What a webhook receives: the alert as the HTTP API shows it (shared/alerts alertJson), plus the rule's id and name. */
export interface WebhookBody extends AlertJson {
  rule: { id: string; name: string };
}

/**
 * The body of a delivery (the API contract's "Webhooks"). Built the same on every attempt, so a retry is
 * byte-identical apart from its timestamp and signature.
 */
export function webhookBody(alert: AlertRecord, rule: { id: string; name: string }): WebhookBody {
  return { ...alertJson(alert), rule: { id: rule.id, name: rule.name } };
}
