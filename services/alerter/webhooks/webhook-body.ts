import type { AlertRecord } from '../../../shared/alerts/index.js';
import { worldviewUrl } from '../../../shared/gibs/index.js';

/** What a webhook receives: the alert as the HTTP API shows it, plus the rule's id and name. */
export interface WebhookBody {
  id: string;
  ruleId: string;
  tileId: string;
  sha256: string;
  model: string;
  score: number;
  payload: AlertRecord['payload'];
  alertedAt: string;
  /** relative to the API's base URL, as the API's own alert JSON gives it */
  thumbnailUrl: string;
  worldviewUrl: string;
  rule: { id: string; name: string };
}

/**
 * The body of a delivery (the API contract's "Webhooks"): the Alert JSON plus `rule: {id, name}`. Built the same
 * on every attempt, so a retry is byte-identical apart from its timestamp and signature.
 */
export function webhookBody(alert: AlertRecord, rule: { id: string; name: string }): WebhookBody {
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
    worldviewUrl: worldviewUrl(alert.payload),
    rule: { id: rule.id, name: rule.name },
  };
}
