// The latent scatter: a canvas of plane points coloured by label, with axes, hit-testing and
// markers drawn over a cached layer of the points (so hover and drag redraw only the markers).

/** Vega's default categorical scheme (tableau10), so the page matches the run's latent-scatter.png. */
export const LABEL_COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'] as const;

export function labelColor(label: number | undefined): string {
  return label === undefined ? '#4e79a7' : LABEL_COLORS[((label % LABEL_COLORS.length) + LABEL_COLORS.length) % LABEL_COLORS.length]!;
}

export interface Marker {
  readonly u: number;
  readonly v: number;
  readonly kind: 'cursor' | 'selected' | 'hover' | 'endpoint';
  readonly text?: string;
}

const MARGIN = { left: 46, right: 12, top: 12, bottom: 38 } as const;
const POINT_RADIUS = 2.4;

/** About `count` round tick values covering [lo, hi] (1, 2 or 5 times a power of ten apart). */
function ticks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

export class ScatterPlot {
  private readonly layer: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly dpr: number;
  readonly bounds: { readonly u0: number; readonly u1: number; readonly v0: number; readonly v1: number };

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly points: Float64Array,
    private readonly labels: Int32Array | undefined,
    private readonly axisTitles: readonly [string, string],
    private readonly cssSize: number,
  ) {
    this.dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(cssSize * this.dpr);
    canvas.height = Math.round(cssSize * this.dpr);
    canvas.style.width = `${cssSize}px`;
    canvas.style.height = `${cssSize}px`;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('scatter: this browser has no 2-D canvas');
    this.ctx = ctx;
    let [u0, u1, v0, v1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (let i = 0; i < points.length; i += 2) {
      u0 = Math.min(u0, points[i]!);
      u1 = Math.max(u1, points[i]!);
      v0 = Math.min(v0, points[i + 1]!);
      v1 = Math.max(v1, points[i + 1]!);
    }
    // A little room around the outermost points, and a unit box when they all coincide.
    const pu = (u1 - u0) * 0.06 || 1;
    const pv = (v1 - v0) * 0.06 || 1;
    this.bounds = { u0: u0 - pu, u1: u1 + pu, v0: v0 - pv, v1: v1 + pv };
    this.layer = document.createElement('canvas');
    this.layer.width = canvas.width;
    this.layer.height = canvas.height;
    this.drawLayer();
  }

  get count(): number {
    return this.points.length / 2;
  }

  /** CSS-pixel position of plane point (u, v). */
  toPixel(u: number, v: number): [number, number] {
    const { u0, u1, v0, v1 } = this.bounds;
    const w = this.cssSize - MARGIN.left - MARGIN.right;
    const h = this.cssSize - MARGIN.top - MARGIN.bottom;
    return [MARGIN.left + ((u - u0) / (u1 - u0)) * w, MARGIN.top + ((v1 - v) / (v1 - v0)) * h];
  }

  /** Plane point under CSS-pixel position (x, y), clamped to the plotted box. */
  toPlane(x: number, y: number): [number, number] {
    const { u0, u1, v0, v1 } = this.bounds;
    const w = this.cssSize - MARGIN.left - MARGIN.right;
    const h = this.cssSize - MARGIN.top - MARGIN.bottom;
    const fx = Math.min(1, Math.max(0, (x - MARGIN.left) / w));
    const fy = Math.min(1, Math.max(0, (y - MARGIN.top) / h));
    return [u0 + fx * (u1 - u0), v1 - fy * (v1 - v0)];
  }

  /** Index of the point nearest CSS-pixel (x, y) within maxPx, or -1. */
  nearest(x: number, y: number, maxPx: number): number {
    let best = -1;
    let bestD = maxPx * maxPx;
    for (let i = 0; i < this.count; i++) {
      const [px, py] = this.toPixel(this.points[2 * i]!, this.points[2 * i + 1]!);
      const d = (px - x) ** 2 + (py - y) ** 2;
      if (d <= bestD) {
        bestD = d;
        best = i;
      }
    }
    return best;
  }

  /** The cached points and axes, the dashed segment (the interpolation path) if given, then the markers on top. */
  draw(markers: readonly Marker[], segment?: readonly [readonly [number, number], readonly [number, number]]): void {
    const c = this.ctx;
    c.setTransform(1, 0, 0, 1, 0, 0);
    c.clearRect(0, 0, this.canvas.width, this.canvas.height);
    c.drawImage(this.layer, 0, 0);
    c.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    if (segment) {
      const [x0, y0] = this.toPixel(segment[0][0], segment[0][1]);
      const [x1, y1] = this.toPixel(segment[1][0], segment[1][1]);
      c.strokeStyle = 'rgba(17, 17, 17, 0.7)';
      c.lineWidth = 1.5;
      c.setLineDash([5, 4]);
      c.beginPath();
      c.moveTo(x0, y0);
      c.lineTo(x1, y1);
      c.stroke();
      c.setLineDash([]);
    }
    for (const m of markers) {
      const [x, y] = this.toPixel(m.u, m.v);
      c.lineWidth = 2;
      if (m.kind === 'cursor') {
        c.strokeStyle = '#111';
        c.beginPath();
        c.moveTo(x - 9, y);
        c.lineTo(x + 9, y);
        c.moveTo(x, y - 9);
        c.lineTo(x, y + 9);
        c.stroke();
        c.beginPath();
        c.arc(x, y, 4, 0, 2 * Math.PI);
        c.stroke();
      } else if (m.kind === 'endpoint') {
        c.fillStyle = '#111';
        c.beginPath();
        c.arc(x, y, 9, 0, 2 * Math.PI);
        c.fill();
        c.fillStyle = '#fff';
        c.font = 'bold 11px system-ui, sans-serif';
        c.textAlign = 'center';
        c.textBaseline = 'middle';
        c.fillText(m.text ?? '', x, y + 0.5);
      } else {
        c.strokeStyle = m.kind === 'selected' ? '#111' : '#555';
        c.beginPath();
        c.arc(x, y, m.kind === 'selected' ? 6 : 5, 0, 2 * Math.PI);
        c.stroke();
      }
    }
  }

  private drawLayer(): void {
    const c = this.layer.getContext('2d');
    if (!c) throw new Error('scatter: this browser has no 2-D canvas');
    c.scale(this.dpr, this.dpr);
    c.fillStyle = '#fff';
    c.fillRect(0, 0, this.cssSize, this.cssSize);
    const { u0, u1, v0, v1 } = this.bounds;
    const right = this.cssSize - MARGIN.right;
    const bottom = this.cssSize - MARGIN.bottom;
    c.font = '11px system-ui, sans-serif';
    c.fillStyle = '#555';
    c.strokeStyle = '#e6e6e6';
    c.lineWidth = 1;
    c.textAlign = 'center';
    c.textBaseline = 'top';
    for (const t of ticks(u0, u1, 6)) {
      const [x] = this.toPixel(t, v0);
      c.beginPath();
      c.moveTo(x, MARGIN.top);
      c.lineTo(x, bottom);
      c.stroke();
      c.fillText(String(Number(t.toPrecision(3))), x, bottom + 5);
    }
    c.textAlign = 'right';
    c.textBaseline = 'middle';
    for (const t of ticks(v0, v1, 6)) {
      const [, y] = this.toPixel(u0, t);
      c.beginPath();
      c.moveTo(MARGIN.left, y);
      c.lineTo(right, y);
      c.stroke();
      c.fillText(String(Number(t.toPrecision(3))), MARGIN.left - 5, y);
    }
    c.strokeStyle = '#999';
    c.strokeRect(MARGIN.left, MARGIN.top, right - MARGIN.left, bottom - MARGIN.top);
    c.fillStyle = '#222';
    c.font = '12px system-ui, sans-serif';
    c.textAlign = 'center';
    c.textBaseline = 'bottom';
    c.fillText(this.axisTitles[0], (MARGIN.left + right) / 2, this.cssSize - 3);
    c.save();
    c.translate(12, (MARGIN.top + bottom) / 2);
    c.rotate(-Math.PI / 2);
    c.textBaseline = 'middle';
    c.fillText(this.axisTitles[1], 0, 0);
    c.restore();
    c.save();
    c.beginPath();
    c.rect(MARGIN.left, MARGIN.top, right - MARGIN.left, bottom - MARGIN.top);
    c.clip();
    c.globalAlpha = 0.72;
    for (let i = 0; i < this.count; i++) {
      const [x, y] = this.toPixel(this.points[2 * i]!, this.points[2 * i + 1]!);
      c.fillStyle = labelColor(this.labels?.[i]);
      c.beginPath();
      c.arc(x, y, POINT_RADIUS, 0, 2 * Math.PI);
      c.fill();
    }
    c.restore();
  }
}
