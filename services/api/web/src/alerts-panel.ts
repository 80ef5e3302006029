/// <reference lib="dom" />
import type { ApiClient } from './api-client.js';
import type { Alert, HitFeature, Rule } from './api-types.js';
import { byId, control, day, el, shortLayer } from './dom.js';
import type { StatusLine } from './status-line.js';

export interface AlertsPanel {
  /** opens the rule dialog for a result; the rule is created with the write key */
  createRuleFrom(hit: HitFeature): void;
  refreshRules(): Promise<void>;
}

const MAX_LIVE = 50;

/**
 * Alert rules (GET /v1/alerts/rules), live alerts (EventSource on /v1/alerts/stream, which resumes after a
 * reconnect by Last-Event-ID) and the dialog that makes a rule from a search result.
 */
export function createAlertsPanel(api: ApiClient, status: StatusLine): AlertsPanel {
  const ruleList = byId('rule-list', HTMLElement);
  const liveList = byId('live-alerts', HTMLElement);
  const streamState = byId('stream-state', HTMLElement);
  const dialog = byId('rule-dialog', HTMLDialogElement);
  const form = byId('rule-form', HTMLFormElement);
  const nameInput = control(form, 'name', HTMLInputElement);
  const thresholdInput = control(form, 'threshold', HTMLInputElement);
  const preview = byId('rule-reference', HTMLElement);
  const ruleNames = new Map<string, string>();
  const seen = new Set<string>();
  let pendingHit: HitFeature | null = null;

  const ruleItem = (rule: Rule): HTMLElement => {
    const remove = el('button', { type: 'button', class: 'delete-rule', title: 'Delete this rule' }, '✕');
    remove.addEventListener('click', () => {
      if (!window.confirm(`Delete the rule “${rule.name}”?`)) return;
      api
        .send('DELETE', `/v1/alerts/rules/${rule.id}`, undefined, {
          reason: 'Deleting an alert rule needs a write key.',
        })
        .then(() => refreshRules())
        .catch((error: unknown) => status.error('Deleting the rule', error));
    });
    return el(
      'li',
      { class: rule.enabled ? 'rule' : 'rule disabled', 'data-id': rule.id },
      el('span', { class: 'rule-name', title: rule.id }, rule.name),
      el('span', { class: 'rule-meta' }, `≥ ${rule.threshold.toFixed(2)} · ${rule.references.length} ref`),
      remove,
    );
  };

  async function refreshRules(): Promise<void> {
    const { rules } = await api.get<{ rules: Rule[] }>('/v1/alerts/rules');
    ruleNames.clear();
    rules.forEach((rule) => ruleNames.set(rule.id, rule.name));
    ruleList.replaceChildren(
      ...(rules.length === 0 ? [el('li', { class: 'empty' }, 'No rules yet: “Alert…” on a result makes one.')] : []),
      ...rules.map(ruleItem),
    );
  }

  const showAlert = (alert: Alert): void => {
    if (seen.has(alert.id)) return;
    seen.add(alert.id);
    liveList.querySelector('.empty')?.remove();
    const p = alert.payload;
    liveList.prepend(
      el(
        'li',
        { class: 'alert fresh', 'data-id': alert.id },
        el('img', { src: alert.thumbnailUrl, alt: '', width: 48, height: 48 }),
        el(
          'div',
          {},
          el('div', { class: 'alert-rule' }, ruleNames.get(alert.ruleId) ?? alert.ruleId),
          el('div', { class: 'meta' }, `${alert.score.toFixed(3)} · ${day(p.date)} · ${shortLayer(p.layer)}`),
          el('a', { href: alert.worldviewUrl, target: '_blank', rel: 'noopener' }, 'Worldview ↗'),
        ),
      ),
    );
    while (liveList.children.length > MAX_LIVE) liveList.lastElementChild?.remove();
  };

  const stream = new EventSource('/v1/alerts/stream');
  stream.addEventListener('open', () => {
    streamState.textContent = 'live';
    streamState.className = 'stream-state live';
  });
  stream.addEventListener('error', () => {
    // EventSource reconnects by itself (with Last-Event-ID); only say so.
    streamState.textContent = stream.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting…';
    streamState.className = 'stream-state down';
  });
  stream.addEventListener('alert', (event) => {
    try {
      showAlert(JSON.parse((event as MessageEvent<string>).data) as Alert);
    } catch (error) {
      status.error('Reading a live alert', error);
    }
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const hit = pendingHit;
    if (hit === null) return;
    dialog.close();
    const body = {
      name: nameInput.value.trim(),
      references: [{ tileId: hit.id }],
      threshold: Number(thresholdInput.value),
    };
    api
      .send<{ rule: Rule }>('POST', '/v1/alerts/rules', body, { reason: 'Creating an alert rule needs a write key.' })
      .then(async ({ rule }) => {
        status.info(`Rule “${rule.name}” created`);
        await refreshRules();
      })
      .catch((error: unknown) => status.error('Creating the rule', error));
  });
  byId('rule-cancel', HTMLButtonElement).addEventListener('click', () => dialog.close());

  return {
    createRuleFrom(hit) {
      pendingHit = hit;
      const p = hit.properties;
      nameInput.value = `Like ${shortLayer(p.layer)} ${day(p.date)} z${p.z}/${p.row}/${p.col}`.slice(0, 200);
      thresholdInput.value = '0.90';
      preview.replaceChildren(
        el('img', { src: p.thumbnailUrl, alt: '', width: 96, height: 96 }),
        el('span', {}, p.layer),
      );
      dialog.showModal();
      nameInput.select();
    },
    refreshRules,
  };
}
