// The sites drawn as WebGL points: one vertex per site and a shader of a few lines, so a frame
// of 100,000 sites costs the GPU (or a software renderer) a few milliseconds. OpenLayers' own
// WebGL vector layer spends several vertices and a long shader on every point, and rebuilds
// its buffers after every pan; this layer uploads the sites once and redraws them from a
// matrix on each frame.

import type { FrameState } from 'ol/Map';
import Layer from 'ol/layer/Layer';

/** Floats per site: x and y from the origin (map units), class index, confidence, status. */
const STRIDE = 5;
const MAX_COLOURS = 8;

const VERTEX = `
attribute vec2 a_pos;
attribute vec3 a_attr;
uniform mat3 u_matrix;
uniform float u_scale;
uniform float u_ratio;
uniform float u_highlight;
uniform vec3 u_colours[${MAX_COLOURS}];
varying vec3 v_fill;
varying vec3 v_stroke;
varying float v_ring;
varying float v_aa;
void main() {
  vec3 p = u_matrix * vec3(a_pos, 1.0);
  gl_Position = vec4(p.xy, 0.0, 1.0);
  float status = a_attr.z;
  bool confirmed = status > 0.5 && status < 1.5;
  float radius = (4.0 + 6.0 * a_attr.y) * u_scale + 5.0 * u_highlight;
  float stroke = u_highlight > 0.5 ? 3.0 : (confirmed ? 2.0 : 1.0) * max(u_scale, 0.5);
  float size = 2.0 * (radius + stroke) * u_ratio + 1.0;
  gl_PointSize = size;
  int ci = int(a_attr.x + 0.5);
  vec3 colour = u_colours[0];
  for (int i = 1; i < ${MAX_COLOURS}; i++) {
    if (i == ci) colour = u_colours[i];
  }
  // Rejected, merged and lost sites are grey: still there, no longer claimed.
  v_fill = status > 1.5 ? vec3(0.541, 0.576, 0.612) : colour;
  v_stroke = u_highlight > 0.5 ? vec3(1.0, 0.831, 0.0) : (confirmed ? vec3(1.0) : vec3(0.0));
  v_ring = stroke / (radius + stroke);
  v_aa = 2.0 / size;
}`;

const FRAGMENT = `
precision mediump float;
varying vec3 v_fill;
varying vec3 v_stroke;
varying float v_ring;
varying float v_aa;
void main() {
  vec2 p = gl_PointCoord * 2.0 - 1.0;
  float r = length(p);
  float alpha = 1.0 - smoothstep(1.0 - v_aa, 1.0, r);
  if (alpha <= 0.0) discard;
  vec3 c = r > 1.0 - v_ring ? v_stroke : v_fill;
  gl_FragColor = vec4(c * alpha, alpha);
}`;

function compile(gl: WebGLRenderingContext, type: number, source: string): WebGLShader {
  const shader = gl.createShader(type)!;
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(shader) ?? 'shader');
  return shader;
}

function rgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
}

/** The sites' points; `layer` goes into the map. */
export class PointsLayer {
  readonly layer: Layer;
  /** Whether the browser gave a WebGL context. */
  readonly ok: boolean;
  private readonly canvas = document.createElement('canvas');
  private readonly gl: WebGLRenderingContext | null;
  private program: WebGLProgram | null = null;
  private buffer: WebGLBuffer | null = null;
  private data = new Float32Array(0);
  private count = 0;
  private origin: [number, number] = [0, 0];
  private selected = -1;
  private readonly colours: Float32Array;
  private readonly loc: Record<string, WebGLUniformLocation | null> = {};
  private attrPos = 0;
  private attrAttr = 0;

  constructor(colours: string[]) {
    this.canvas.style.position = 'absolute';
    this.canvas.style.inset = '0';
    this.canvas.style.pointerEvents = 'none';
    this.colours = new Float32Array(MAX_COLOURS * 3);
    colours.slice(0, MAX_COLOURS).forEach((c, i) => this.colours.set(rgb(c), i * 3));
    this.gl = this.canvas.getContext('webgl', { premultipliedAlpha: true, antialias: false, preserveDrawingBuffer: false });
    this.ok = this.gl !== null && this.init(this.gl);
    this.layer = new Layer({ render: (frameState) => this.render(frameState), zIndex: 10 });
  }

  private init(gl: WebGLRenderingContext): boolean {
    try {
      const program = gl.createProgram()!;
      gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, VERTEX));
      gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT));
      gl.linkProgram(program);
      if (!gl.getProgramParameter(program, gl.LINK_STATUS)) return false;
      this.program = program;
      for (const name of ['u_matrix', 'u_scale', 'u_ratio', 'u_highlight', 'u_colours']) this.loc[name] = gl.getUniformLocation(program, name);
      this.attrPos = gl.getAttribLocation(program, 'a_pos');
      this.attrAttr = gl.getAttribLocation(program, 'a_attr');
      this.buffer = gl.createBuffer();
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Replaces the sites: positions `xy` (x0 y0 x1 y1… in map units) and, per site, its class
   * index, confidence and status code. Positions are kept relative to the first site, so that
   * 32-bit floats keep them to the centimetre.
   */
  setSites(xy: Float64Array, cls: Int16Array, conf: Float32Array, status: Uint8Array): void {
    const n = cls.length;
    this.count = n;
    this.selected = -1;
    this.origin = n > 0 ? [xy[0], xy[1]] : [0, 0];
    const data = new Float32Array(n * STRIDE);
    for (let i = 0; i < n; i++) {
      const o = i * STRIDE;
      data[o] = xy[2 * i] - this.origin[0];
      data[o + 1] = xy[2 * i + 1] - this.origin[1];
      data[o + 2] = cls[i] < 0 || cls[i] >= MAX_COLOURS ? MAX_COLOURS - 1 : cls[i];
      data[o + 3] = conf[i];
      data[o + 4] = status[i];
    }
    this.data = data;
    const gl = this.gl;
    if (gl && this.ok) {
      gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
      gl.bufferData(gl.ARRAY_BUFFER, data, gl.DYNAMIC_DRAW);
    }
    this.layer.changed();
  }

  /** One site's class, confidence or status changed. */
  update(index: number, cls: number, conf: number, status: number): void {
    if (index < 0 || index >= this.count) return;
    const o = index * STRIDE;
    this.data[o + 2] = cls < 0 || cls >= MAX_COLOURS ? MAX_COLOURS - 1 : cls;
    this.data[o + 3] = conf;
    this.data[o + 4] = status;
    const gl = this.gl;
    if (gl && this.ok) {
      gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
      gl.bufferSubData(gl.ARRAY_BUFFER, o * 4, this.data.subarray(o, o + STRIDE));
    }
    this.layer.changed();
  }

  select(index: number): void {
    this.selected = index;
    this.layer.changed();
  }

  private render(frameState: FrameState): HTMLElement {
    const gl = this.gl;
    const [w, h] = frameState.size;
    const ratio = frameState.pixelRatio;
    const cw = Math.round(w * ratio);
    const ch = Math.round(h * ratio);
    if (this.canvas.width !== cw || this.canvas.height !== ch) {
      this.canvas.width = cw;
      this.canvas.height = ch;
      this.canvas.style.width = `${w}px`;
      this.canvas.style.height = `${h}px`;
    }
    if (!gl || !this.ok) return this.canvas;
    gl.viewport(0, 0, cw, ch);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (this.count === 0) return this.canvas;
    // Map units → CSS pixels is OpenLayers' transform [a b c d e f]; then pixels → clip space.
    const [a, b, c, d, e, f] = frameState.coordinateToPixelTransform;
    const [ox, oy] = this.origin;
    const matrix = new Float32Array([
      (2 * a) / w,
      (-2 * b) / h,
      0,
      (2 * c) / w,
      (-2 * d) / h,
      0,
      (2 * (a * ox + c * oy + e)) / w - 1,
      1 - (2 * (b * ox + d * oy + f)) / h,
      1,
    ]);
    const zoom = frameState.viewState.zoom;
    // Points shrink as the map zooms out, so a city's worth of sites stays legible.
    const scale = Math.min(1, Math.max(0.25, 0.25 + ((zoom - 12) * 0.75) / 5));
    gl.useProgram(this.program);
    gl.uniformMatrix3fv(this.loc.u_matrix, false, matrix);
    gl.uniform1f(this.loc.u_scale, scale);
    gl.uniform1f(this.loc.u_ratio, ratio);
    gl.uniform3fv(this.loc.u_colours, this.colours);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
    gl.enableVertexAttribArray(this.attrPos);
    gl.vertexAttribPointer(this.attrPos, 2, gl.FLOAT, false, STRIDE * 4, 0);
    gl.enableVertexAttribArray(this.attrAttr);
    gl.vertexAttribPointer(this.attrAttr, 3, gl.FLOAT, false, STRIDE * 4, 8);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    gl.uniform1f(this.loc.u_highlight, 0);
    gl.drawArrays(gl.POINTS, 0, this.count);
    if (this.selected >= 0 && this.selected < this.count) {
      gl.uniform1f(this.loc.u_highlight, 1);
      gl.drawArrays(gl.POINTS, this.selected, 1);
    }
    return this.canvas;
  }

  dispose(): void {
    const gl = this.gl;
    if (gl) {
      gl.deleteBuffer(this.buffer);
      gl.deleteProgram(this.program);
    }
    this.layer.dispose();
  }
}
