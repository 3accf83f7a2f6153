// The map of a campaign's sites: its frames' imagery as XYZ layers fetched with the session's
// token, an optional OpenStreetMap background, and the sites as WebGL points, coloured by class
// and sized by confidence, so that 100,000 of them pan as smoothly as ten.

import Feature from 'ol/Feature';
import Map from 'ol/Map';
import View from 'ol/View';
import type ImageTile from 'ol/ImageTile';
import type Tile from 'ol/Tile';
import TileState from 'ol/TileState';
import { defaults as defaultControls } from 'ol/control/defaults';
import { createEmpty, extend, extendXY, isEmpty } from 'ol/extent';
import Point from 'ol/geom/Point';
import TileLayer from 'ol/layer/Tile';
import WebGLVectorLayer from 'ol/layer/WebGLVector';
import { fromLonLat, transformExtent } from 'ol/proj';
import OSM from 'ol/source/OSM';
import VectorSource from 'ol/source/Vector';
import XYZ from 'ol/source/XYZ';
import type { FlatStyle } from 'ol/style/flat';

import type { FrameView, SiteRow, SiteStatus } from './types';

/** Colours of the damage classes, in the campaign's order (the volunteer app's swatches). */
export const CLASS_COLOURS = ['#ff1f5b', '#ffb000', '#00cde5', '#b14aed', '#7ee05d', '#ffffff'];
const STATUS_CODE: Record<SiteStatus, number> = { candidate: 0, confirmed: 1, rejected: 2, merged: 3, consensus_lost: 4 };

export function classColour(classes: string[], cls: string): string {
  const i = classes.indexOf(cls);
  return i < 0 ? '#ffffff' : CLASS_COLOURS[i % CLASS_COLOURS.length];
}

/** The points' style: class colour, radius by confidence, a ring for the selected site. */
function pointStyle(classes: string[]): FlatStyle {
  const selected = ['==', ['get', 'i'], ['var', 'selected']];
  const byClass =
    classes.length === 0
      ? '#ffffff'
      : ['match', ['get', 'c'], ...classes.flatMap((_, i) => [i, CLASS_COLOURS[i % CLASS_COLOURS.length]]), '#ffffff'];
  return {
    'circle-radius': ['+', ['interpolate', ['linear'], ['get', 'conf'], 0, 4, 1, 10], ['case', selected, 4, 0]],
    // Rejected, merged and lost sites are grey: still there, no longer claimed.
    'circle-fill-color': ['case', ['>=', ['get', 'st'], 2], '#8a939c', byClass],
    'circle-stroke-color': ['case', selected, '#ffd400', ['==', ['get', 'st'], 1], '#ffffff', '#000000'],
    'circle-stroke-width': ['case', selected, 3, ['==', ['get', 'st'], 1], 2, 1],
  } as FlatStyle;
}

function siteFeature(row: SiteRow, index: number, classes: string[]): Feature<Point> {
  return new Feature({
    geometry: new Point(fromLonLat([row.lon, row.lat])),
    i: index,
    c: classes.indexOf(row.class),
    conf: row.confidence,
    st: STATUS_CODE[row.status] ?? 0,
  });
}

/** Loads an overview tile with the token into a blob URL, revoked once the image has it. */
function tokenTileLoader(token: string) {
  return (tile: Tile, src: string) => {
    const image = (tile as ImageTile).getImage() as HTMLImageElement;
    fetch(src, { headers: { Authorization: `Bearer ${token}` } })
      .then(async (res) => {
        if (!res.ok) throw new Error(String(res.status));
        const url = URL.createObjectURL(await res.blob());
        const done = () => URL.revokeObjectURL(url);
        image.addEventListener('load', done, { once: true });
        image.addEventListener('error', done, { once: true });
        image.src = url;
      })
      .catch(() => tile.setState(TileState.ERROR));
  };
}

export interface SiteMapOptions {
  target: HTMLElement;
  classes: string[];
  token: string;
  /** A site was clicked (its index in the rows last given), or empty map (-1). */
  onClick: (index: number) => void;
}

export class SiteMap {
  readonly map: Map;
  // No spatial index: the points are drawn by WebGL and picked by `nearest`, so building an
  // R-tree over 100,000 points would only cost time.
  private readonly source = new VectorSource<Feature<Point>>({ wrapX: false, useSpatialIndex: false });
  /** The sites' positions in map units, x0 y0 x1 y1…, for picking. */
  private xy = new Float64Array(0);
  private readonly points: WebGLVectorLayer<VectorSource<Feature<Point>>>;
  private features: Feature<Point>[] = [];
  private frameLayers = new globalThis.Map<string, TileLayer<XYZ>>();
  private osm: TileLayer<OSM> | null = null;
  private readonly classes: string[];
  private readonly token: string;

  constructor(opts: SiteMapOptions) {
    this.classes = opts.classes;
    this.token = opts.token;
    this.points = new WebGLVectorLayer({
      source: this.source,
      style: pointStyle(opts.classes),
      variables: { selected: -1 },
      zIndex: 10,
      // Hit detection would draw every point a second time and read the pixels back.
      disableHitDetection: true,
    });
    this.map = new Map({
      target: opts.target,
      layers: [this.points],
      controls: defaultControls({ rotate: false, attributionOptions: { collapsible: true } }),
      view: new View({ center: fromLonLat([39, 35.95]), zoom: 12, maxZoom: 21 }),
    });
    this.map.on('singleclick', (evt) => opts.onClick(this.nearest(evt.coordinate, 12)));
  }

  /** One hidden layer per frame with an overview pyramid, clipped to the frame. */
  setFrames(frames: FrameView[]): void {
    for (const f of frames) {
      if (!f.overview || this.frameLayers.has(f.id)) continue;
      const layer = new TileLayer({
        source: new XYZ({
          url: `/api/v1/frames/${encodeURIComponent(f.id)}/overview/{z}/{x}/{y}`,
          minZoom: f.overview.min_zoom,
          maxZoom: f.overview.max_zoom,
          tileLoadFunction: tokenTileLoader(this.token),
          transition: 0,
        }),
        extent: transformExtent(f.bbox, 'EPSG:4326', 'EPSG:3857'),
        visible: false,
        zIndex: 1,
      });
      this.frameLayers.set(f.id, layer);
      this.map.addLayer(layer);
    }
  }

  /** Shows one frame's imagery, or none. */
  showFrame(id: string | null): void {
    for (const [fid, layer] of this.frameLayers) layer.setVisible(fid === id);
  }

  /** The OpenStreetMap background, made only when first asked for; tiles that fail stay blank. */
  setOsm(on: boolean): void {
    if (on && !this.osm) {
      this.osm = new TileLayer({ source: new OSM(), zIndex: 0 });
      this.map.addLayer(this.osm);
    }
    this.osm?.setVisible(on);
  }

  /**
   * Replaces the sites on the map; a site's index in `rows` is how it is named from now on.
   * With `fitTo`, the view first fits the sites (else those frames).
   */
  setSites(rows: SiteRow[], fitTo: FrameView[] | null = null): void {
    this.features = rows.map((row, i) => siteFeature(row, i, this.classes));
    this.xy = new Float64Array(rows.length * 2);
    this.features.forEach((f, i) => {
      const [x, y] = f.getGeometry()!.getFlatCoordinates();
      this.xy[2 * i] = x;
      this.xy[2 * i + 1] = y;
    });
    if (fitTo) this.fit(fitTo);
    this.source.clear(true);
    this.source.addFeatures(this.features);
  }

  /** The site drawn nearest to `at` (map units) within `pixels` on screen, else -1. */
  nearest(at: number[], pixels: number): number {
    const resolution = this.map.getView().getResolution() ?? 1;
    let best = -1;
    let bestD = (pixels * resolution) ** 2;
    const xy = this.xy;
    for (let i = 0; i < xy.length; i += 2) {
      const dx = xy[i] - at[0];
      const dy = xy[i + 1] - at[1];
      const d = dx * dx + dy * dy;
      if (d < bestD) {
        bestD = d;
        best = i / 2;
      }
    }
    return best;
  }

  /** A site changed (a review): redraws its point. */
  updateSite(index: number, row: SiteRow): void {
    const f = this.features[index];
    if (!f) return;
    f.setProperties({ c: this.classes.indexOf(row.class), conf: row.confidence, st: STATUS_CODE[row.status] ?? 0 });
  }

  /** Rings the site at `index` (-1: none) and, with `reveal`, pans to it when it is out of view. */
  select(index: number, reveal: boolean): void {
    this.points.updateStyleVariables({ selected: index });
    const f = this.features[index];
    if (!f || !reveal) return;
    const view = this.map.getView();
    const at = f.getGeometry()!.getCoordinates();
    const size = this.map.getSize();
    const extent = size ? view.calculateExtent(size) : null;
    if (extent && !(at[0] >= extent[0] && at[0] <= extent[2] && at[1] >= extent[1] && at[1] <= extent[3])) {
      view.animate({ center: at, duration: 200 });
    }
  }

  /** Fits the view to the sites, else to the frames, else leaves it. */
  fit(frames: FrameView[]): void {
    let extent = createEmpty();
    for (let i = 0; i < this.xy.length; i += 2) extendXY(extent, this.xy[i], this.xy[i + 1]);
    if (isEmpty(extent)) {
      extent = createEmpty();
      for (const f of frames) extend(extent, transformExtent(f.bbox, 'EPSG:4326', 'EPSG:3857'));
    }
    if (isEmpty(extent) || !Number.isFinite(extent[0])) return;
    if (extent[2] - extent[0] < 500) {
      const cx = (extent[0] + extent[2]) / 2;
      const cy = (extent[1] + extent[3]) / 2;
      extendXY(extent, cx - 500, cy - 500);
      extendXY(extent, cx + 500, cy + 500);
    }
    this.map.getView().fit(extent, { padding: [24, 24, 24, 24], maxZoom: 18 });
  }

  destroy(): void {
    this.map.setTarget(undefined);
    this.points.dispose();
  }
}
