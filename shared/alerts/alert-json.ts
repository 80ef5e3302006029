import { tileLinks } from '../query/index.js';
import type { TilePayload } from '../store/index.js';
import type { AlertRecord } from './alert-store.js';

/**
 * An alert as people and programs receive it, one shape everywhere: the HTTP API's history and live stream, and
 * the body of a webhook (which adds the rule's id and name). The record plus a thumbnail link and a Worldview
 * permalink for the tile's layer, date and extent.
 */
export interface AlertJson {
  id: string;
  ruleId: string;
  tileId: string;
  sha256: string;
  model: string;
  score: number;
  payload: TilePayload;
  alertedAt: string;
  /** relative to the API's base URL */
  thumbnailUrl: string;
  worldviewUrl: string;
}

export function alertJson(alert: AlertRecord): AlertJson {
  const { thumbnailUrl, worldviewUrl } = tileLinks(alert.tileId, alert.payload);
  return {
    id: alert.id,
    ruleId: alert.ruleId,
    tileId: alert.tileId,
    sha256: alert.sha256,
    model: alert.model,
    score: alert.score,
    payload: alert.payload,
    alertedAt: alert.alertedAt,
    thumbnailUrl,
    worldviewUrl,
  };
}
