import { MAX_PAGE, type AlertStore, type Delivery } from '../../../shared/alerts/index.js';
import { alertApiError, alertApiErrorCodes } from './alert-api-errors.js';
import type { AlertJson } from './alert-schemas.js';
import { toAlertJson, toDeliveryJson } from './alert-view.js';

/** Deliveries of one alert: one per rule webhook, so a page of this size is all of them. */
const DELIVERIES_PAGE = 100;

/** The alert history and the webhook delivery log as the API pages them. */
export class AlertHistory {
  constructor(private readonly alerts: AlertStore) {}

  /**
   * One page, oldest first, after `after`. One alert more than asked is read so `next` is null exactly on the
   * last page (at the largest page size the store allows, a full page may be followed by an empty one).
   */
  async page(query: {
    ruleId?: string;
    after?: string;
    limit: number;
  }): Promise<{ alerts: AlertJson[]; next: string | null }> {
    const probe = Math.min(query.limit + 1, MAX_PAGE);
    const got = await this.alerts.listAlerts({ ruleId: query.ruleId, after: query.after, limit: probe });
    const page = got.slice(0, query.limit);
    const more = got.length > query.limit || (probe === query.limit && got.length === query.limit);
    return { alerts: page.map(toAlertJson), next: more && page.length > 0 ? page[page.length - 1].id : null };
  }

  async deliveries(alertId: string): Promise<Delivery[]> {
    if ((await this.alerts.getAlert(alertId)) === undefined)
      throw alertApiError(alertApiErrorCodes.alertNotFound, `no alert with id ${alertId}`);
    const deliveries = await this.alerts.listDeliveries({ alertId, limit: DELIVERIES_PAGE });
    return deliveries.map(toDeliveryJson);
  }
}
