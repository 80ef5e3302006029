/// <reference lib="dom" />
import type { EmbeddingSample, SamplePoint } from './api-types.js';
import { categoricalScale, dateScale, type ColourScale } from './colour-scale.js';
import { byId, day, el, shortLayer } from './dom.js';
import { umapLayout } from './umap-layout.js';

export interface EmbeddingView {
  /** lays the sample out with UMAP and draws it; resolves when drawn */
  show(sample: EmbeddingSample): Promise<void>;
}

const RADIUS = 3.5;
const HOVER_PX = 8;
const PAD = 12;

/**
 * The embedding map: a sample of the index laid out in 2-D by UMAP and drawn on a canvas, coloured by date or
 * layer. Hovering a point shows its thumbnail; clicking it searches for tiles like it (as the seed project's
 * interactive t-SNE did).
 */
export function createEmbeddingView(onPick: (point: SamplePoint) => void): EmbeddingView {
  const canvas = byId('embedding-canvas', HTMLCanvasElement);
  const tooltip = byId('embedding-tooltip', HTMLElement);
  const legend = byId('embedding-legend', HTMLElement);
  const colourBy = byId('colour-by', HTMLSelectElement);
  const state = byId('embedding-state', HTMLElement);
  let points: SamplePoint[] = [];
  let screen: [number, number][] = [];
  let layout: number[][] = [];
  let hovered = -1;

  const scale = (): ColourScale =>
    colourBy.value === 'layer' ? categoricalScale(points.map((p) => p.layer)) : dateScale(points.map((p) => p.date));

  const draw = (): void => {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const g = canvas.getContext('2d');
    if (g === null) return;
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    if (layout.length === 0) return;
    const xs = layout.map((p) => p[0]);
    const ys = layout.map((p) => p[1]);
    const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const sx = (width - 2 * PAD) / (maxX - minX || 1);
    const sy = (height - 2 * PAD) / (maxY - minY || 1);
    screen = layout.map(([x, y]) => [PAD + (x - minX) * sx, PAD + (y - minY) * sy]);
    const colours = scale();
    screen.forEach(([x, y], i) => {
      g.beginPath();
      g.arc(x, y, i === hovered ? RADIUS * 1.8 : RADIUS, 0, 2 * Math.PI);
      g.fillStyle = colours.colour(colourBy.value === 'layer' ? points[i].layer : points[i].date);
      g.fill();
      if (i === hovered) {
        g.lineWidth = 1.5;
        g.strokeStyle = '#fff';
        g.stroke();
      }
    });
    canvas.dataset.points = String(screen.length);
    showLegend(colours);
  };

  const showLegend = (colours: ColourScale): void => {
    if (colours.gradient !== null) {
      const bar = el('span', { class: 'gradient' });
      bar.style.background = colours.gradient;
      legend.replaceChildren(el('span', {}, colours.legend[0].label), bar, el('span', {}, colours.legend[1].label));
      return;
    }
    legend.replaceChildren(
      ...colours.legend.map((entry) => {
        const swatch = el('span', { class: 'swatch' });
        swatch.style.background = entry.colour;
        return el('span', { class: 'legend-item', title: entry.label }, swatch, shortLayer(entry.label));
      }),
    );
  };

  const nearest = (event: MouseEvent): number => {
    const box = canvas.getBoundingClientRect();
    const [mx, my] = [event.clientX - box.left, event.clientY - box.top];
    let best = -1;
    let bestDistance = HOVER_PX * HOVER_PX;
    screen.forEach(([x, y], i) => {
      const d = (x - mx) ** 2 + (y - my) ** 2;
      if (d <= bestDistance) [best, bestDistance] = [i, d];
    });
    return best;
  };

  canvas.addEventListener('mousemove', (event) => {
    const i = nearest(event);
    if (i === hovered) return;
    hovered = i;
    draw();
    canvas.classList.toggle('pointing', i >= 0);
    if (i < 0) {
      tooltip.hidden = true;
      return;
    }
    const p = points[i];
    const [x, y] = screen[i];
    tooltip.replaceChildren(
      el('img', { src: p.thumbnailUrl, alt: '', width: 96, height: 96 }),
      el('div', {}, day(p.date)),
      el('div', { title: p.layer }, shortLayer(p.layer)),
    );
    // Keep the tooltip inside the panel: flip it to the left of the point on the right half.
    tooltip.style.left = `${x < canvas.clientWidth / 2 ? x + 12 : x - 124}px`;
    tooltip.style.top = `${Math.max(0, Math.min(y - 40, canvas.clientHeight - 140))}px`;
    tooltip.hidden = false;
  });
  canvas.addEventListener('mouseleave', () => {
    hovered = -1;
    tooltip.hidden = true;
    draw();
  });
  canvas.addEventListener('click', (event) => {
    const i = nearest(event);
    if (i >= 0) onPick(points[i]);
  });
  colourBy.addEventListener('change', draw);
  window.addEventListener('resize', draw);

  return {
    async show(sample) {
      points = sample.points;
      layout = [];
      if (points.length === 0) {
        state.textContent = 'the index is empty';
        draw();
        return;
      }
      state.textContent = `UMAP of ${points.length} tiles…`;
      canvas.dataset.layout = 'running';
      layout = await umapLayout(
        points.map((p) => p.vector),
        (done, partial) => {
          state.textContent = `UMAP of ${points.length} tiles… ${Math.round(done * 100)}%`;
          layout = partial;
          draw();
        },
      );
      canvas.dataset.layout = 'done';
      state.textContent = `${points.length} tiles · ${sample.model}`;
      draw();
    },
  };
}
