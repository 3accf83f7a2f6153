// The map of a campaign's sites: its frames' imagery as XYZ layers fetched with the session's
// token, an optional OpenStreetMap background, and the sites as WebGL points (points.ts),
// coloured by class and sized by confidence, so that 100,000 of them pan as smoothly as ten.

import Map from 'ol/Map';
import View from 'ol/View';
import type ImageTile from 'ol/ImageTile';
import type Tile from 'ol/Tile';
import TileState from 'ol/TileState';
import { defaults as defaultControls } from 'ol/control/defaults';
import { defaults as defaultInteractions } from 'ol/interaction/defaults';
import { createEmpty, extend, extendXY, isEmpty } from 'ol/extent';
import TileLayer from 'ol/layer/Tile';
import { fromLonLat, transformExtent } from 'ol/proj';
import OSM from 'ol/source/OSM';
import XYZ from 'ol/source/XYZ';

import { PointsLayer } from './points';
import type { FrameView, SiteRow, SiteStatus } from './types';

/** Colours of the damage classes, in the campaign's order (the volunteer app's swatches). */
export const CLASS_COLOURS = ['#ff1f5b', '#ffb000', '#00cde5', '#b14aed', '#7ee05d', '#ffffff'];
const STATUS_CODE: Record<SiteStatus, number> = { candidate: 0, confirmed: 1, rejected: 2, merged: 3, consensus_lost: 4 };

export function classColour(classes: string[], cls: string): string {
  const i = classes.indexOf(cls);
  return i < 0 ? '#ffffff' : CLASS_COLOURS[i % CLASS_COLOURS.length];
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
  private readonly points: PointsLayer;
  /** The sites' positions in map units, x0 y0 x1 y1…, for picking and fitting. */
  private xy = new Float64Array(0);
  private frameLayers = new globalThis.Map<string, TileLayer<XYZ>>();
  private osm: TileLayer<OSM> | null = null;
  private readonly classes: string[];
  private readonly token: string;

  constructor(opts: SiteMapOptions) {
    this.classes = opts.classes;
    this.token = opts.token;
    this.points = new PointsLayer(opts.classes.map((c) => classColour(opts.classes, c)).concat('#ffffff'));
    this.map = new Map({
      target: opts.target,
      layers: [this.points.layer],
      controls: defaultControls({ rotate: false, attributionOptions: { collapsible: true } }),
      // The map's element takes focus for the keyboard, and OpenLayers' own default would then
      // ignore a drag or the wheel until it has focus: the first drag would not pan.
      interactions: defaultInteractions({ altShiftDragRotate: false, pinchRotate: false }),
      view: new View({ center: fromLonLat([39, 35.95]), zoom: 12, maxZoom: 21 }),
    });
    this.map.on('singleclick', (evt) => opts.onClick(this.nearest(evt.coordinate, 12)));
    // Where the view is, for the browser tests: "x,y,zoom" in map units.
    this.map.on('moveend', () => {
      const v = this.map.getView();
      const c = v.getCenter() ?? [0, 0];
      opts.target.dataset.view = `${Math.round(c[0])},${Math.round(c[1])},${(v.getZoom() ?? 0).toFixed(2)}`;
    });
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
        extent: f.bbox ? transformExtent(f.bbox, 'EPSG:4326', 'EPSG:3857') : undefined,
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
    const n = rows.length;
    this.xy = new Float64Array(n * 2);
    const cls = new Int16Array(n);
    const conf = new Float32Array(n);
    const status = new Uint8Array(n);
    const at = [0, 0];
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      at[0] = r.lon;
      at[1] = r.lat;
      const [x, y] = fromLonLat(at);
      this.xy[2 * i] = x;
      this.xy[2 * i + 1] = y;
      cls[i] = this.classIndex(r.class);
      conf[i] = r.confidence;
      status[i] = STATUS_CODE[r.status] ?? 0;
    }
    if (fitTo) this.fit(fitTo);
    this.points.setSites(this.xy, cls, conf, status);
  }

  private classIndex(cls: string): number {
    const i = this.classes.indexOf(cls);
    return i < 0 ? this.classes.length : i;
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
    this.points.update(index, this.classIndex(row.class), row.confidence, STATUS_CODE[row.status] ?? 0);
  }

  /** Rings the site at `index` (-1: none) and, with `reveal`, pans to it when it is out of view. */
  select(index: number, reveal: boolean): void {
    this.points.select(index);
    if (index < 0 || index * 2 >= this.xy.length || !reveal) return;
    const view = this.map.getView();
    const at = [this.xy[2 * index], this.xy[2 * index + 1]];
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
      for (const f of frames) if (f.bbox) extend(extent, transformExtent(f.bbox, 'EPSG:4326', 'EPSG:3857'));
    }
    if (isEmpty(extent) || !Number.isFinite(extent[0])) return;
    if (extent[2] - extent[0] < 500) {
      const cx = (extent[0] + extent[2]) / 2;
      const cy = (extent[1] + extent[3]) / 2;
      extendXY(extent, cx - 500, cy - 500);
      extendXY(extent, cx + 500, cy + 500);
    }
    this.map.getView().fit(extent, { padding: [48, 48, 48, 48], maxZoom: 18 });
  }

  destroy(): void {
    this.map.setTarget(undefined);
    this.points.dispose();
  }
}
