/// <reference lib="dom" />
import { createAlertsPanel } from './alerts-panel.js';
import { createApiClient, type ApiClient } from './api-client.js';
import type { EmbeddingSample, HitFeature, SearchGeoJson, Stats, UiConfig, WhoAmI } from './api-types.js';
import { byId, day, el, shortLayer } from './dom.js';
import { createEmbeddingView } from './embedding-view.js';
import { createKeyPrompt, type KeyPrompt } from './key-prompt.js';
import { createMapView, type MapClick, type MapView } from './map-view.js';
import { createResultsGrid } from './results-grid.js';
import { createSearchPanel } from './search-panel.js';
import { createStatusLine } from './status-line.js';

const SAMPLE_SIZE = 500;

/** Wires the panels together; each panel owns its part of index.html. */
async function start(): Promise<void> {
  const status = createStatusLine();
  const keys = createKeyPrompt();
  const api = createApiClient(keys);
  const ui = await api.get<UiConfig>('/v1/ui-config');
  const map = createMapView(byId('map', HTMLElement), ui.gibsBaseUrl);

  const label = (layer: string, date: string): string => `${day(date)} ${shortLayer(layer)}`;
  const alerts = createAlertsPanel(api, status);
  const results = createResultsGrid({
    onSimilar: (hit) => void search.searchTile(hit.id, label(hit.properties.layer, hit.properties.date)),
    onCreateRule: (hit) => alerts.createRuleFrom(hit),
    onHover: (tileId) => highlight(tileId),
  });
  const search = createSearchPanel({
    api,
    map,
    status,
    layers: ui.layers,
    onResults: (found, append) => {
      results.show(found, append);
      map.showFootprints(results.all());
    },
  });
  const highlight = (tileId: string | null): void => {
    map.highlight(tileId);
    results.highlight(tileId);
  };
  map.onHover(highlight);

  const stats = api.get<Stats>('/v1/stats');
  // An empty index has no sample (the API answers 409): not asking keeps a new install's page free of errors.
  const sample = stats.then((s) =>
    s.model === null
      ? { model: '', points: [] }
      : api.get<EmbeddingSample>(`/v1/embedding-sample?limit=${SAMPLE_SIZE}`),
  );
  const embedding = createEmbeddingView((point) => void search.searchTile(point.id, label(point.layer, point.date)));
  map.onClick((click) => {
    const clicked = results.all()?.features.find((f) => f.id === click.tileId);
    (clicked !== undefined ? Promise.resolve(clicked) : tileAt(api, click, sample, imageryDate()))
      .then((hit) => {
        if (hit === null) return status.info('No indexed tile under that point');
        return search.searchTile(hit.id, label(hit.properties.layer, hit.properties.date));
      })
      .catch((error: unknown) => status.error('Finding the tile under the click', error));
  });

  const imageryDate = setUpImagery(ui, map);
  showKeyState(keys);
  await Promise.all([
    alerts.refreshRules().catch((error: unknown) => status.error('Loading alert rules', error)),
    stats
      .then((found) => showStats(found, ui, map))
      .catch((error: unknown) => status.error('Loading index stats', error)),
    api
      .get<WhoAmI>('/v1/whoami')
      .then((who) => (byId('who', HTMLElement).textContent = who.role))
      .catch((error: unknown) => status.error('Asking who I am', error)),
    sample
      .then((s) => embedding.show(s))
      .catch((error: unknown) => status.error('Loading the embedding sample', error)),
  ]);
  document.body.dataset.ready = 'true';
}

/** The imagery layer/date pickers; returns a reader of the chosen date. */
function setUpImagery(ui: UiConfig, map: MapView): () => string | null {
  const layerSelect = byId('imagery-layer', HTMLSelectElement);
  const dateSelect = byId('imagery-date', HTMLSelectElement);
  layerSelect.replaceChildren(
    ...ui.layers.map((layer) => el('option', { value: layer, title: layer }, shortLayer(layer))),
  );
  const apply = (): void =>
    map.setImagery(
      dateSelect.value === '' || layerSelect.value === ''
        ? null
        : { layer: layerSelect.value, date: dateSelect.value, tms: ui.tileMatrixSet },
    );
  layerSelect.addEventListener('change', apply);
  dateSelect.addEventListener('change', apply);
  return () => (dateSelect.value === '' ? null : dateSelect.value);
}

/**
 * Index size and model in the header; the harvested dates become the imagery date choices (newest first), since
 * GIBS has those dates for the harvested layer: a date outside a layer's range would be a 404 for every tile.
 */
function showStats(stats: Stats, ui: UiConfig, map: MapView): void {
  const total = stats.byLayer.reduce((sum, facet) => sum + facet.count, 0);
  byId('index-info', HTMLElement).textContent =
    stats.model === null ? 'index empty' : `${total} tiles · ${stats.model}`;
  const dates = [...new Set(stats.byDate.map((facet) => day(facet.value)))].sort().reverse();
  const dateSelect = byId('imagery-date', HTMLSelectElement);
  dateSelect.replaceChildren(
    el('option', { value: '' }, 'none'),
    ...dates.map((date) => el('option', { value: date }, date)),
  );
  if (dates.length > 0 && ui.layers.length > 0) {
    dateSelect.value = dates[0];
    dateSelect.dispatchEvent(new Event('change'));
  } else {
    map.setImagery(null);
  }
}

function showKeyState(keys: KeyPrompt): void {
  const button = byId('key-button', HTMLButtonElement);
  const render = (): void => {
    button.textContent = keys.current() === null ? 'Set API key' : 'Forget API key';
  };
  button.addEventListener('click', () => {
    if (keys.current() !== null) return keys.forget();
    keys.ensure('Writes (alert rules) need a key with the write role.').catch(() => undefined);
  });
  keys.onChange(render);
  render();
}

/**
 * The indexed tile under a map click: the index's tiles whose footprint holds the point (a search with a tiny box;
 * the query vector is any indexed one, since only the filter matters), preferring the level the map shows and the
 * imagery date.
 */
async function tileAt(
  api: ApiClient,
  click: MapClick,
  sample: Promise<EmbeddingSample>,
  date: string | null,
): Promise<HitFeature | null> {
  const { points } = await sample;
  if (points.length === 0) return null;
  const e = 1e-4;
  const found = await api.send<SearchGeoJson>('POST', '/v1/search', {
    positives: [{ vector: points[0].vector }],
    filter: { bbox: [click.lon - e, click.lat - e, click.lon + e, click.lat + e] },
    limit: 200,
    format: 'geojson',
  });
  const rank = (f: HitFeature): number =>
    Math.abs(f.properties.z - click.z) * 10 + (day(f.properties.date) === date ? 0 : 5) - f.properties.z * 0.01;
  return [...found.features].sort((a, b) => rank(a) - rank(b))[0] ?? null;
}

start().catch((error: unknown) => {
  const line = document.getElementById('status');
  if (line === null) return;
  line.hidden = false;
  line.className = 'status error';
  line.textContent = `The page could not start: ${error instanceof Error ? error.message : String(error)}`;
});
