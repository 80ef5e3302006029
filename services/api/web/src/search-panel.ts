/// <reference lib="dom" />
import type { ApiClient } from './api-client.js';
import type { Bbox, Example, SearchFilter, SearchGeoJson, SearchRequest } from './api-types.js';
import { byId, control, el, shortLayer } from './dom.js';
import type { MapView } from './map-view.js';
import type { StatusLine } from './status-line.js';

/** What the search looks for: its examples and how each is shown in the query strip. */
export interface Query {
  examples: Example[];
  chips: { label: string; thumbnailUrl: string }[];
}

export interface SearchPanel {
  /** replaces the query and searches with the form's filters */
  search(query: Query): Promise<void>;
  /** searches for tiles like an indexed tile */
  searchTile(tileId: string, label: string): Promise<void>;
}

export interface SearchPanelOptions {
  api: ApiClient;
  map: MapView;
  status: StatusLine;
  layers: string[];
  /** results of a new search (append false) or the next page of the current one (append true) */
  onResults(results: SearchGeoJson, append: boolean): void;
}

/**
 * The search form: query images, date range, layers, a box drawn on the map, the number of results. It sends
 * POST /v1/search with format=geojson, whose features carry both the footprints and what the results grid shows.
 */
export function createSearchPanel(options: SearchPanelOptions): SearchPanel {
  const { api, map, status, layers } = options;
  const form = byId('search-form', HTMLFormElement);
  const fileInput = control(form, 'image', HTMLInputElement);
  const limitInput = control(form, 'limit', HTMLInputElement);
  const fromInput = control(form, 'from', HTMLInputElement);
  const toInput = control(form, 'to', HTMLInputElement);
  const queryStrip = byId('query', HTMLElement);
  const layerList = byId('layer-list', HTMLFieldSetElement);
  const bboxText = byId('bbox-text', HTMLOutputElement);
  const submit = byId('search-button', HTMLButtonElement);
  const more = byId('more-results', HTMLButtonElement);

  const layerBoxes = layers.map((layer, i) => {
    const box = el('input', { type: 'checkbox', name: 'layer', value: layer, checked: true });
    layerList.append(el('label', { title: layer, class: 'check' }, box, shortLayer(layer) + (i === 0 ? ' ★' : '')));
    return box;
  });
  let bbox: Bbox | null = null;
  let query: Query | null = null;
  let last: { request: SearchRequest; nextOffset: number | null } | null = null;
  let objectUrls: string[] = [];

  const showQuery = (): void => {
    queryStrip.replaceChildren(
      ...(query?.chips ?? []).map((chip) =>
        el(
          'figure',
          { class: 'chip' },
          el('img', { src: chip.thumbnailUrl, alt: '' }),
          el('figcaption', {}, chip.label),
        ),
      ),
    );
    submit.disabled = query === null;
  };

  const filter = (): SearchFilter | string => {
    const result: SearchFilter = {};
    if (fromInput.value !== '') result.from = fromInput.value;
    if (toInput.value !== '') result.to = toInput.value;
    if (result.from !== undefined && result.to !== undefined && result.from > result.to) return '"from" is after "to"';
    if (bbox !== null) result.bbox = bbox;
    const chosen = layerBoxes.filter((box) => box.checked).map((box) => box.value);
    if (chosen.length === 0 && layers.length > 0) return 'pick at least one layer';
    // All layers ticked: no layer filter, so tiles of layers harvested earlier are found too.
    if (chosen.length < layers.length) result.layers = chosen;
    return result;
  };

  const run = async (append: boolean): Promise<void> => {
    if (query === null) return;
    let request: SearchRequest;
    if (append && last !== null && last.nextOffset !== null) {
      request = { ...last.request, offset: last.nextOffset };
    } else {
      const chosen = filter();
      if (typeof chosen === 'string') return status.info(`Search: ${chosen}`);
      const limit = Math.min(200, Math.max(1, Number(limitInput.value) || 20));
      request = { positives: query.examples, limit, offset: 0, format: 'geojson' };
      if (Object.keys(chosen).length > 0) request.filter = chosen;
    }
    submit.disabled = true;
    form.classList.add('busy');
    try {
      const results = await api.send<SearchGeoJson>('POST', '/v1/search', request);
      last = { request, nextOffset: results.nextOffset };
      more.hidden = results.nextOffset === null;
      options.onResults(results, append);
      if (!append) status.info(`${results.features.length} results (model ${results.model})`);
    } catch (error) {
      status.error('Search', error);
    } finally {
      submit.disabled = false;
      form.classList.remove('busy');
    }
  };

  const search = (next: Query): Promise<void> => {
    query = next;
    showQuery();
    return run(false);
  };

  fileInput.addEventListener('change', () => {
    const files = Array.from(fileInput.files ?? []).slice(0, 16);
    if (files.length === 0) return;
    objectUrls.forEach((url) => URL.revokeObjectURL(url));
    objectUrls = files.map((file) => URL.createObjectURL(file));
    Promise.all(files.map(readBase64))
      .then((images) =>
        search({
          examples: images.map((image, i) => ({ image, name: files[i].name })),
          chips: files.map((file, i) => ({ label: file.name, thumbnailUrl: objectUrls[i] })),
        }),
      )
      .catch((error: unknown) => status.error('Reading the image', error))
      .finally(() => (fileInput.value = ''));
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void run(false);
  });
  more.addEventListener('click', () => void run(true));
  byId('draw-box', HTMLButtonElement).addEventListener('click', () => {
    status.info('Drag a box on the map (Esc cancels)');
    void map.drawBox().then((drawn) => {
      if (drawn !== null) bbox = drawn;
      map.showBox(bbox);
      bboxText.value = bbox === null ? 'whole world' : bbox.map((v) => v.toFixed(2)).join(', ');
    });
  });
  byId('clear-box', HTMLButtonElement).addEventListener('click', () => {
    bbox = null;
    map.showBox(null);
    bboxText.value = 'whole world';
  });
  showQuery();

  return {
    search,
    searchTile: (tileId, label) =>
      search({ examples: [{ tileId }], chips: [{ label, thumbnailUrl: `/v1/tiles/${tileId}/thumbnail` }] }),
  };
}

/** The file's bytes as base64 (what the API's `image` examples take). */
function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error(`cannot read ${file.name}`));
    reader.readAsDataURL(file);
  });
}
