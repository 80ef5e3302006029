/// <reference lib="dom" />
import Feature from 'ol/Feature.js';
import OlMap from 'ol/Map.js';
import View from 'ol/View.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import { fromExtent } from 'ol/geom/Polygon.js';
import DoubleClickZoom from 'ol/interaction/DoubleClickZoom.js';
import Draw, { createBox } from 'ol/interaction/Draw.js';
import TileLayer from 'ol/layer/Tile.js';
import VectorLayer from 'ol/layer/Vector.js';
import type TileImage from 'ol/source/TileImage.js';
import VectorSource from 'ol/source/Vector.js';
import { Fill, Stroke, Style, Text } from 'ol/style.js';
import type { FeatureLike } from 'ol/Feature.js';
import type { Bbox, SearchGeoJson } from './api-types.js';
import { BASE_LAYER, WORLD, gibsTileSource, maxLevel, resolutionAt, type GibsLayerRef } from './gibs-tiles.js';

export interface MapClick {
  lon: number;
  lat: number;
  /** the result whose footprint was clicked (the smallest one under the click), if any */
  tileId: string | null;
  /** the GIBS level whose tiles the view shows now */
  z: number;
}

export interface MapView {
  /** the imagery layer over the base map (a harvested layer on a harvested date), or none */
  setImagery(ref: GibsLayerRef | null): void;
  showFootprints(results: SearchGeoJson | null): void;
  highlight(tileId: string | null): void;
  /** lets the user drag one box; resolves with it, or null when cancelled */
  drawBox(): Promise<Bbox | null>;
  showBox(bbox: Bbox | null): void;
  onClick(listener: (click: MapClick) => void): void;
  onHover(listener: (tileId: string | null) => void): void;
}

const footprintStroke = new Stroke({ color: '#ff9f1c', width: 1.5 });
const highlightStroke = new Stroke({ color: '#ffffff', width: 3 });
const footprintFill = new Fill({ color: 'rgba(255, 159, 28, 0.05)' });

/**
 * The OpenLayers map in EPSG:4326: Blue Marble from GIBS as the base, the harvested imagery over it, result
 * footprints and the search box on top. The view only zooms as deep as the layers' tile matrices go (deeper
 * tiles would be 400s from GIBS); it counts base tiles loaded and failed in data attributes for status and tests.
 */
export function createMapView(target: HTMLElement, gibsBaseUrl: string): MapView {
  const counts = { loaded: 0, failed: 0 };
  const countTiles = (source: TileImage): void => {
    source.on('tileloadend', () => {
      counts.loaded += 1;
      target.dataset.tilesLoaded = String(counts.loaded);
    });
    source.on('tileloaderror', () => {
      counts.failed += 1;
      target.dataset.tilesFailed = String(counts.failed);
    });
  };
  const baseSource = gibsTileSource(gibsBaseUrl, { ...BASE_LAYER, date: null });
  countTiles(baseSource);
  const base = new TileLayer({ source: baseSource });
  const imagery = new TileLayer({ opacity: 0.9 });
  const footprints = new VectorSource();
  const boxSource = new VectorSource();
  let highlighted: string | null = null;

  const footprintStyle = (feature: FeatureLike): Style => {
    const lit = feature.getId() === highlighted;
    return new Style({
      stroke: lit ? highlightStroke : footprintStroke,
      fill: footprintFill,
      text: new Text({
        text: String(feature.get('rank') ?? ''),
        font: 'bold 12px system-ui, sans-serif',
        fill: new Fill({ color: '#fff' }),
        stroke: new Stroke({ color: '#000', width: 3 }),
      }),
      zIndex: lit ? 1 : 0,
    });
  };
  const footprintLayer = new VectorLayer({ source: footprints, style: footprintStyle });
  const boxLayer = new VectorLayer({
    source: boxSource,
    style: new Style({ stroke: new Stroke({ color: '#4cc9f0', width: 2, lineDash: [6, 4] }) }),
  });

  // View zoom n shows GIBS level n - 1; one level past the deepest served one (tiles drawn enlarged) is the limit.
  const maxZoomFor = (level: number): number => level + 2;
  const view = new View({
    projection: 'EPSG:4326',
    extent: WORLD,
    showFullExtent: true,
    maxResolution: resolutionAt(0) * 2,
    maxZoom: maxZoomFor(maxLevel(BASE_LAYER.tms)),
    center: [0, 0],
    // the whole world across the map's width (the element has its size from the CSS grid by now)
    resolution: 360 / Math.max(target.clientWidth, 1),
  });
  const map = new OlMap({ target, layers: [base, imagery, footprintLayer, boxLayer], view });

  map.on('moveend', () => {
    target.dataset.zoom = (view.getZoom() ?? 0).toFixed(2);
  });
  // The two clicks that draw a box come quickly enough for OpenLayers to see a double click, which would zoom in
  // once the box is done: double-click zoom is off while drawing and for a moment after.
  const doubleClickZoom = map
    .getInteractions()
    .getArray()
    .filter((interaction) => interaction instanceof DoubleClickZoom);
  let drawing: Draw | null = null;
  // The click that ends a box is followed by OL's delayed singleclick: it must not search the tile under it.
  let drawEndedAt = 0;
  const clickListeners: ((click: MapClick) => void)[] = [];
  const hoverListeners: ((tileId: string | null) => void)[] = [];

  const smallestFootprintAt = (pixel: number[]): string | null => {
    const hits = map.getFeaturesAtPixel(pixel, { layerFilter: (layer) => layer === footprintLayer });
    let best: { id: string; area: number } | null = null;
    for (const feature of hits) {
      const extent = feature.getGeometry()?.getExtent();
      const id = feature.getId();
      if (extent === undefined || typeof id !== 'string') continue;
      const area = (extent[2] - extent[0]) * (extent[3] - extent[1]);
      if (best === null || area < best.area) best = { id, area };
    }
    return best?.id ?? null;
  };

  map.on('singleclick', (event) => {
    if (drawing !== null || performance.now() - drawEndedAt < 1000) return;
    const [lon, lat] = event.coordinate;
    const resolution = view.getResolution() ?? resolutionAt(0);
    const z = Math.max(0, Math.min(maxLevel('250m'), Math.round(Math.log2(resolutionAt(0) / resolution))));
    const click = { lon, lat, tileId: smallestFootprintAt(event.pixel), z };
    clickListeners.forEach((listener) => listener(click));
  });
  map.on('pointermove', (event) => {
    if (event.dragging || drawing !== null) return;
    const tileId = smallestFootprintAt(event.pixel);
    target.classList.toggle('over-footprint', tileId !== null);
    hoverListeners.forEach((listener) => listener(tileId));
  });

  return {
    setImagery(ref) {
      imagery.setSource(ref === null ? null : gibsTileSource(gibsBaseUrl, ref));
      view.setMaxZoom(maxZoomFor(Math.max(maxLevel(BASE_LAYER.tms), ref === null ? 0 : maxLevel(ref.tms))));
    },
    showFootprints(results) {
      footprints.clear();
      target.dataset.footprints = String(results?.features.length ?? 0);
      if (results === null || results.features.length === 0) return;
      const format = new GeoJSON({ dataProjection: 'EPSG:4326', featureProjection: 'EPSG:4326' });
      footprints.addFeatures(format.readFeatures(results));
    },
    highlight(tileId) {
      if (tileId === highlighted) return;
      highlighted = tileId;
      footprints.changed();
    },
    drawBox() {
      drawing?.abortDrawing();
      return new Promise((resolve) => {
        const draw = new Draw({ source: boxSource, type: 'Circle', geometryFunction: createBox() });
        drawing = draw;
        doubleClickZoom.forEach((interaction) => interaction.setActive(false));
        const finish = (bbox: Bbox | null): void => {
          map.removeInteraction(draw);
          window.setTimeout(() => doubleClickZoom.forEach((interaction) => interaction.setActive(true)), 600);
          document.removeEventListener('keydown', onKey);
          drawing = null;
          drawEndedAt = performance.now();
          resolve(bbox);
        };
        const onKey = (event: KeyboardEvent): void => {
          if (event.key === 'Escape') finish(null);
        };
        boxSource.clear();
        draw.on('drawend', (event) => {
          const extent = event.feature.getGeometry()?.getExtent();
          finish(extent === undefined ? null : clampBox(extent));
        });
        document.addEventListener('keydown', onKey);
        map.addInteraction(draw);
      });
    },
    showBox(bbox) {
      boxSource.clear();
      if (bbox !== null) boxSource.addFeature(new Feature(fromExtent(bbox)));
    },
    onClick(listener) {
      clickListeners.push(listener);
    },
    onHover(listener) {
      hoverListeners.push(listener);
    },
  };
}

function clampBox([minLon, minLat, maxLon, maxLat]: number[]): Bbox {
  const lon = (v: number): number => Math.round(Math.max(-180, Math.min(180, v)) * 1e4) / 1e4;
  const lat = (v: number): number => Math.round(Math.max(-90, Math.min(90, v)) * 1e4) / 1e4;
  return [lon(minLon), lat(minLat), lon(maxLon), lat(maxLat)];
}
