import type { AlertRecord, AlertStore, NewAlert } from '../../shared/alerts/index.js';

const PAGE = 1000;

/**
 * The recorded alert of the match's rule, tile and bytes, if any. Only a redelivered batch whose earlier run
 * recorded the match but stopped before marking the tile scored needs it (recordAlert then answers `duplicate`
 * without the record), so it pages through the rule's history — newest pages would be cheaper; the port lists
 * oldest first.
 */
export async function findAlert(store: AlertStore, match: NewAlert): Promise<AlertRecord | undefined> {
  let after: string | undefined;
  for (;;) {
    const page = await store.listAlerts({
      ruleId: match.ruleId,
      ...(after === undefined ? {} : { after }),
      limit: PAGE,
    });
    const found = page.find((a) => a.tileId === match.tileId && a.sha256 === match.sha256);
    if (found || page.length < PAGE) return found;
    after = page[page.length - 1].id;
  }
}
