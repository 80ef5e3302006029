/// <reference lib="dom" />
import type { HitFeature, SearchGeoJson } from './api-types.js';
import { byId, day, el, shortLayer } from './dom.js';

export interface ResultsGrid {
  show(results: SearchGeoJson, append: boolean): void;
  highlight(tileId: string | null): void;
  /** all results shown now (every page), for the map's footprints */
  all(): SearchGeoJson | null;
}

export interface ResultsGridOptions {
  onSimilar(hit: HitFeature): void;
  onCreateRule(hit: HitFeature): void;
  onHover(tileId: string | null): void;
}

/** The results as a grid of thumbnail cards: score, date, layer, tile, a Worldview link and actions. */
export function createResultsGrid(options: ResultsGridOptions): ResultsGrid {
  const grid = byId('result-grid', HTMLElement);
  const summary = byId('result-summary', HTMLElement);
  let shown: SearchGeoJson | null = null;

  const card = (hit: HitFeature): HTMLElement => {
    const p = hit.properties;
    const similar = el(
      'button',
      { type: 'button', class: 'similar', title: 'Search for tiles like this one' },
      'Similar',
    );
    const alert = el(
      'button',
      { type: 'button', class: 'create-rule', title: 'Alert me on new tiles like this' },
      'Alert…',
    );
    similar.addEventListener('click', () => options.onSimilar(hit));
    alert.addEventListener('click', () => options.onCreateRule(hit));
    const item = el(
      'article',
      { class: 'result', 'data-id': hit.id },
      el(
        'a',
        { href: p.imageUrl, target: '_blank', rel: 'noopener', class: 'thumb' },
        el('img', { src: p.thumbnailUrl, alt: `${p.layer} ${day(p.date)}`, loading: 'lazy', width: 128, height: 128 }),
        el('span', { class: 'rank' }, String(p.rank)),
      ),
      el('div', { class: 'score', title: 'cosine similarity' }, p.score.toFixed(3)),
      el('div', { class: 'meta', title: p.layer }, day(p.date), ' · ', shortLayer(p.layer)),
      el(
        'div',
        { class: 'meta' },
        `z${p.z} r${p.row} c${p.col} · `,
        el('a', { href: p.worldviewUrl, target: '_blank', rel: 'noopener', class: 'worldview' }, 'Worldview ↗'),
      ),
      el('div', { class: 'actions' }, similar, alert),
    );
    item.addEventListener('mouseenter', () => options.onHover(hit.id));
    item.addEventListener('mouseleave', () => options.onHover(null));
    return item;
  };

  return {
    show(results, append) {
      shown =
        append && shown !== null
          ? { ...results, features: [...shown.features, ...results.features] }
          : { ...results, features: [...results.features] };
      const cards = results.features.map(card);
      if (append) grid.append(...cards);
      else grid.replaceChildren(...cards);
      summary.textContent =
        shown.features.length === 0
          ? 'No tiles match.'
          : `${shown.features.length} results · model ${shown.model}${results.nextOffset === null ? '' : ' · more available'}`;
    },
    highlight(tileId) {
      for (const item of Array.from(grid.querySelectorAll<HTMLElement>('.result'))) {
        const lit = item.dataset.id === tileId;
        item.classList.toggle('lit', lit);
        if (lit) item.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
      }
    },
    all: () => shown,
  };
}
