// The tile on screen: the after image (and the before image beside it, or behind a toggle on
// narrow screens) in pixel space, with the marks of a MarkEditor drawn on top. Click or tap
// places a mark, dragging moves it, a long press deletes it, and a keyboard cursor does the
// same without a pointer.

import OlMap from 'ol/Map';
import View from 'ol/View';
import ImageLayer from 'ol/layer/Image';
import Static from 'ol/source/ImageStatic';
import VectorLayer from 'ol/layer/Vector';
import VectorSource from 'ol/source/Vector';
import Feature from 'ol/Feature';
import Point from 'ol/geom/Point';
import Projection from 'ol/proj/Projection';
import { defaults as defaultInteractions } from 'ol/interaction/defaults';
import Translate from 'ol/interaction/Translate';
import { Circle, Fill, RegularShape, Stroke, Style, Text } from 'ol/style';
import type { Coordinate } from 'ol/coordinate';
import type { Extent } from 'ol/extent';
import type MapBrowserEvent from 'ol/MapBrowserEvent';

import type { MarkEditor } from './marks';

/** Distinct on satellite imagery and for the common colour-vision deficiencies. */
export const CLASS_COLOURS = ['#ff1f5b', '#ffb000', '#00cde5', '#b14aed', '#7ee05d', '#ffffff'];

export interface TaggerOptions {
  afterUrl: string;
  beforeUrl?: string | null;
  /** Damage class a new mark gets. */
  currentClass: () => string;
  classes: string[];
  /** Side by side when true; one map with a before/after toggle when false. */
  sideBySide: boolean;
  labels: { after: string; before: string; map: string };
  onImageError: () => void;
  /** Called once, when the after image is first painted. */
  onFirstPaint: () => void;
}

const LONG_PRESS_MS = 550;
const HIT_PX = 14;
/** How long after a drag its stray click can still arrive. */
const SWALLOW_CLICK_MS = 600;

export class Tagger {
  readonly root: HTMLElement;
  private readonly maps: OlMap[] = [];
  private readonly view: View;
  private readonly marks = new VectorSource();
  private readonly cursor = new Feature<Point>();
  private readonly cursorSource = new VectorSource();
  private beforeLayer: ImageLayer<Static> | null = null;
  private afterLayer: ImageLayer<Static>;
  private showingBefore = false;
  private cursorAt: [number, number];
  /**
   * Where a drag or a long press just ended (map coordinates), and until when the click the
   * browser may send for it is ignored there. Only a click at that spot is swallowed, so a
   * quick click elsewhere never is, whatever order the events and timers run in.
   */
  private swallowClick: { at: number[]; until: number } | null = null;
  private readonly unsubscribe: (() => void)[] = [];
  private afterMapEl: HTMLElement;
  private caption: HTMLElement;

  constructor(
    private readonly editor: MarkEditor,
    private readonly opts: TaggerOptions,
  ) {
    const { width: w, height: h } = editor;
    const extent: Extent = [0, 0, w, h];
    const projection = new Projection({ code: `tessera-tile-${w}x${h}`, units: 'pixels', extent });
    this.view = new View({
      projection,
      center: [w / 2, h / 2],
      extent,
      constrainOnlyCenter: true,
      showFullExtent: true,
      minResolution: 1 / 8,
      maxResolution: 4,
    });
    this.cursorAt = [w / 2, h / 2];
    const image = (url: string) =>
      new ImageLayer({ source: new Static({ url, imageExtent: extent, projection }) });
    this.afterLayer = image(opts.afterUrl);
    this.root = document.createElement('div');
    this.root.className = opts.sideBySide && opts.beforeUrl ? 'tagger tagger-pair' : 'tagger';

    const marksLayer = () =>
      new VectorLayer({ source: this.marks, style: (f) => this.markStyle(f as Feature<Point>) });
    const cursorLayer = new VectorLayer({ source: this.cursorSource, style: cursorStyle });

    if (opts.beforeUrl && opts.sideBySide) {
      this.root.append(
        this.pane(opts.labels.before, [image(opts.beforeUrl), marksLayer()], false),
      );
    } else if (opts.beforeUrl) {
      // Drawn at opacity 0 rather than hidden, so its image loads in the background and the
      // toggle shows it at once.
      this.beforeLayer = image(opts.beforeUrl);
      this.beforeLayer.setOpacity(0);
    }
    const afterLayers = [this.afterLayer, ...(this.beforeLayer ? [this.beforeLayer] : []), marksLayer(), cursorLayer];
    const afterPane = this.pane(opts.labels.after, afterLayers, true);
    this.afterMapEl = afterPane.querySelector('.map') as HTMLElement;
    this.caption = afterPane.querySelector('figcaption') as HTMLElement;
    this.root.append(afterPane);

    const source = this.afterLayer.getSource();
    let painted = false;
    source?.on('imageloaderror', () => opts.onImageError());
    source?.on('imageloadend', () => {
      this.maps[this.maps.length - 1]?.once('rendercomplete', () => {
        if (!painted) {
          painted = true;
          opts.onFirstPaint();
        }
      });
    });
    const redraw = () => this.sync();
    editor.onChange(redraw);
    this.sync();
  }

  /** Attach after the root is in the document, so the maps know their size. */
  mount(): void {
    for (const map of this.maps) map.updateSize();
    this.view.fit([0, 0, this.editor.width, this.editor.height], { padding: [4, 4, 4, 4] });
  }

  destroy(): void {
    for (const off of this.unsubscribe) off();
    for (const map of this.maps) map.setTarget(undefined);
    this.root.remove();
  }

  /** On narrow screens, flips between the after and the before image; returns the new state. */
  toggleBefore(): boolean {
    if (!this.beforeLayer) return false;
    this.showingBefore = !this.showingBefore;
    this.beforeLayer.setOpacity(this.showingBefore ? 1 : 0);
    this.caption.textContent = this.showingBefore ? this.opts.labels.before : this.opts.labels.after;
    return this.showingBefore;
  }

  get hasToggle(): boolean {
    return this.beforeLayer !== null;
  }

  focus(): void {
    this.afterMapEl.focus();
  }

  zoom(delta: number): void {
    const z = this.view.getZoom() ?? 0;
    this.view.animate({ zoom: z + delta, duration: 150 });
  }

  /** Moves the keyboard cursor by (dx, dy) screen pixels and shows it. */
  moveCursor(dx: number, dy: number): void {
    const res = this.view.getResolution() ?? 1;
    const [x, y] = this.cursorAt;
    const nx = Math.min(this.editor.width, Math.max(0, x + dx * res));
    const ny = Math.min(this.editor.height, Math.max(0, y + dy * res));
    this.cursorAt = [nx, ny];
    this.showCursor();
    const coord: Coordinate = [nx, this.editor.height - ny];
    const visible = this.view.calculateExtent(this.maps[this.maps.length - 1]?.getSize());
    if (coord[0] < visible[0] || coord[0] > visible[2] || coord[1] < visible[1] || coord[1] > visible[3]) {
      this.view.setCenter(coord);
    }
  }

  /** Places a mark at the keyboard cursor (selecting the mark already there instead). */
  markAtCursor(): void {
    this.showCursor();
    const [x, y] = this.cursorAt;
    const res = this.view.getResolution() ?? 1;
    const hit = this.editor.hit(x, y, HIT_PX * res);
    if (hit) this.editor.select(hit.id);
    else this.editor.add(x, y, this.opts.currentClass());
  }

  private showCursor(): void {
    const [x, y] = this.cursorAt;
    this.cursor.setGeometry(new Point([x, this.editor.height - y]));
    if (!this.cursorSource.hasFeature(this.cursor)) this.cursorSource.addFeature(this.cursor);
  }

  private pane(label: string, layers: (ImageLayer<Static> | VectorLayer)[], interactive: boolean): HTMLElement {
    const pane = document.createElement('figure');
    pane.className = 'pane';
    const el = document.createElement('div');
    el.className = 'map';
    const caption = document.createElement('figcaption');
    caption.textContent = label;
    pane.append(el, caption);
    const map = new OlMap({
      target: el,
      layers,
      view: this.view,
      controls: [],
      interactions: defaultInteractions({ keyboard: false, doubleClickZoom: false, altShiftDragRotate: false, pinchRotate: false }),
    });
    this.maps.push(map);
    if (interactive) {
      el.tabIndex = 0;
      el.dataset.width = String(this.editor.width);
      el.dataset.height = String(this.editor.height);
      // Tile pixels per screen pixel, for tests and tools that read the page.
      const showResolution = () => (el.dataset.resolution = String(this.view.getResolution() ?? ''));
      this.view.on('change:resolution', showResolution);
      showResolution();
      el.setAttribute('role', 'application');
      el.setAttribute('aria-label', this.opts.labels.map);
      el.addEventListener('focus', () => this.showCursor());
      el.addEventListener('blur', () => this.cursorSource.clear());
    }
    map.on('click', (e) => this.onClick(e));
    const translate = new Translate({ layers: (l) => l instanceof VectorLayer && l.getSource() === this.marks, hitTolerance: 8 });
    translate.on('translateend', (e) => {
      const [x0, y0] = e.startCoordinate;
      const [x1, y1] = e.coordinate;
      if (x0 === x1 && y0 === y1) return; // a click on a mark, not a drag: it selects
      for (const f of e.features.getArray()) {
        const [mx, my] = (f.getGeometry() as Point).getCoordinates();
        this.editor.move(Number(f.getId()), mx, this.editor.height - my);
      }
      this.swallowClickAt(e.coordinate);
    });
    map.addInteraction(translate);
    this.longPress(map, el);
    return pane;
  }

  private onClick(e: MapBrowserEvent<PointerEvent | KeyboardEvent | WheelEvent>): void {
    const swallow = this.swallowClick;
    this.swallowClick = null;
    const res = this.view.getResolution() ?? 1;
    if (
      swallow &&
      performance.now() < swallow.until &&
      Math.hypot(e.coordinate[0] - swallow.at[0], e.coordinate[1] - swallow.at[1]) <= HIT_PX * res
    ) {
      return;
    }
    const [mx, my] = e.coordinate;
    const x = mx;
    const y = this.editor.height - my;
    if (x < 0 || y < 0 || x > this.editor.width || y > this.editor.height) return;
    const hit = this.editor.hit(x, y, HIT_PX * res);
    if (hit) {
      this.editor.select(hit.id);
    } else {
      this.editor.add(x, y, this.opts.currentClass());
    }
    this.cursorAt = [x, y];
  }

  private swallowClickAt(at: number[], ms = SWALLOW_CLICK_MS): void {
    this.swallowClick = { at: [...at], until: performance.now() + ms };
  }

  /** A long press on a mark (touch) deletes it. */
  private longPress(map: OlMap, el: HTMLElement): void {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let start: [number, number] = [0, 0];
    const cancel = () => {
      if (timer) clearTimeout(timer);
      timer = null;
    };
    const down = (ev: PointerEvent) => {
      if (ev.pointerType === 'mouse') return;
      const [mx, my] = map.getEventCoordinate(ev);
      const res = this.view.getResolution() ?? 1;
      const hit = this.editor.hit(mx, this.editor.height - my, HIT_PX * 1.5 * res);
      if (!hit) return;
      start = [ev.clientX, ev.clientY];
      cancel();
      timer = setTimeout(() => {
        timer = null;
        // The finger is still down: its click comes whenever it lifts.
        this.swallowClickAt([mx, my], Infinity);
        this.editor.remove(hit.id);
        navigator.vibrate?.(30);
      }, LONG_PRESS_MS);
    };
    const move = (ev: PointerEvent) => {
      if (timer && Math.hypot(ev.clientX - start[0], ev.clientY - start[1]) > 10) cancel();
    };
    el.addEventListener('pointerdown', down);
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', cancel);
    el.addEventListener('pointercancel', cancel);
    el.addEventListener('contextmenu', (ev) => ev.preventDefault());
  }

  private sync(): void {
    this.marks.clear(true);
    const features = this.editor.all.map((m, i) => {
      const f = new Feature<Point>({ geometry: new Point([m.x, this.editor.height - m.y]) });
      f.setId(m.id);
      f.set('label', String(i + 1));
      f.set('cls', m.cls);
      return f;
    });
    this.marks.addFeatures(features);
  }

  private markStyle(f: Feature<Point>): Style {
    const cls = f.get('cls') as string;
    const idx = Math.max(0, this.opts.classes.indexOf(cls));
    const colour = CLASS_COLOURS[idx % CLASS_COLOURS.length];
    const selected = this.editor.selected?.id === f.getId();
    return new Style({
      image: new Circle({
        radius: selected ? 12 : 10,
        fill: new Fill({ color: 'rgba(0,0,0,0.35)' }),
        stroke: new Stroke({ color: selected ? '#ffffff' : colour, width: selected ? 4 : 3 }),
      }),
      text: new Text({
        text: f.get('label') as string,
        font: 'bold 12px system-ui, sans-serif',
        fill: new Fill({ color: colour }),
        stroke: new Stroke({ color: '#000', width: 3 }),
      }),
    });
  }
}

function cursorStyle(): Style {
  return new Style({
    image: new RegularShape({
      points: 4,
      radius: 14,
      radius2: 0,
      angle: 0,
      stroke: new Stroke({ color: '#ffe94d', width: 2 }),
    }),
  });
}
