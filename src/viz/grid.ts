// Tile grayscale images (values in [0,1]) into one RGBA raster, e.g. a page of
// samples or "inputs above, reconstructions below". Pure and browser-safe: the
// output is ImageData-compatible, and PNG encoding lives in node.ts.
import { GLYPH_HEIGHT, drawTextInPlace, textWidth } from './font.js';

/** An RGBA raster, row-major, 4 bytes per pixel (the layout of the DOM's ImageData). */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8ClampedArray;
}

/** Maps a value already normalised to [0,1] to an RGB triple. */
export type Colormap = 'gray' | 'viridis' | 'coolwarm';

export interface ImageGridOptions {
  /** Tiles per row; default ceil(sqrt(count)). */
  readonly cols?: number;
  /** Pixels of background around and between tiles; default 2. */
  readonly padding?: number;
  /** Gray level in [0,1] for padding and empty cells; default 1 (white). */
  readonly padValue?: number;
  /** Colour map applied to every tile; default 'gray'. */
  readonly colormap?: Colormap;
  /** Values are mapped linearly from [lo, hi] to [0,1] before clamping; default [0, 1]. */
  readonly range?: readonly [number, number];
  /** Text drawn left of each grid row (e.g. "input", "recon"), in a 5×7 bitmap font, upper-cased. */
  readonly rowLabels?: readonly string[];
  /** Label margin width in characters; give stacked grids the same value so their columns align. */
  readonly labelChars?: number;
  /** Integer size of a font pixel; default max(1, floor(height / 14)), i.e. about half a tile. */
  readonly labelScale?: number;
}

// 9 evenly spaced samples of matplotlib's viridis and Moreland's coolwarm,
// linearly interpolated: close enough for a readable heatmap, and tiny.
const ANCHORS: Record<Exclude<Colormap, 'gray'>, readonly number[]> = {
  viridis: [
    0x44, 0x01, 0x54, 0x47, 0x2d, 0x7b, 0x3b, 0x52, 0x8b, 0x2c, 0x72, 0x8e, 0x21, 0x91, 0x8c,
    0x28, 0xae, 0x80, 0x5e, 0xc9, 0x62, 0xad, 0xdc, 0x30, 0xfd, 0xe7, 0x25,
  ],
  coolwarm: [
    59, 76, 192, 98, 130, 234, 141, 176, 254, 184, 208, 249, 221, 221, 221, 245, 196, 173, 244,
    154, 123, 222, 96, 77, 180, 4, 38,
  ],
};

function writeColor(out: Uint8ClampedArray, at: number, t: number, cmap: Colormap): void {
  if (cmap === 'gray') {
    const g = Math.round(t * 255);
    out[at] = g;
    out[at + 1] = g;
    out[at + 2] = g;
  } else {
    const a = ANCHORS[cmap];
    const n = a.length / 3 - 1;
    const s = t * n;
    const i = Math.min(Math.floor(s), n - 1);
    const f = s - i;
    for (let ch = 0; ch < 3; ch++) {
      const lo = a[3 * i + ch]!;
      const hi = a[3 * (i + 1) + ch]!;
      out[at + ch] = Math.round(lo + f * (hi - lo));
    }
  }
  out[at + 3] = 255;
}

function checkInt(fn: string, name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) {
    throw new Error(`${fn}: ${name} must be an integer >= ${min} (got ${v})`);
  }
}

/**
 * Tile `count` images of `height`×`width` (row-major, image after image) into a grid.
 * Tile (r, c) has its top-left pixel at (L + padding + c·(width+padding), padding + r·(height+padding));
 * the grid is L + cols·(width+padding) + padding wide, where L is the row-label margin (0 without
 * labels). Values are clamped to [0,1]; NaN throws.
 */
export function imageGrid(
  images: ArrayLike<number>,
  count: number,
  height: number,
  width: number,
  opts: ImageGridOptions = {},
): RgbaImage {
  checkInt('imageGrid', 'count', count, 1);
  checkInt('imageGrid', 'height', height, 1);
  checkInt('imageGrid', 'width', width, 1);
  const per = height * width;
  if (images.length !== count * per) {
    throw new Error(
      `imageGrid: expected count*height*width = ${count}*${height}*${width} = ${count * per} values, got ${images.length}`,
    );
  }
  const cols = opts.cols ?? Math.ceil(Math.sqrt(count));
  checkInt('imageGrid', 'cols', cols, 1);
  const pad = opts.padding ?? 2;
  checkInt('imageGrid', 'padding', pad, 0);
  const padValue = opts.padValue ?? 1;
  if (!(padValue >= 0 && padValue <= 1)) {
    throw new Error(`imageGrid: padValue must be in [0,1] (got ${padValue})`);
  }
  const cmap = opts.colormap ?? 'gray';
  const [lo, hi] = opts.range ?? [0, 1];
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) {
    throw new Error(`imageGrid: range must be finite with lo < hi (got [${lo}, ${hi}])`);
  }
  const rows = Math.ceil(count / cols);
  const labels = opts.rowLabels ?? [];
  if (labels.length > rows) {
    throw new Error(`imageGrid: ${labels.length} row labels for ${rows} rows`);
  }
  const labelChars = opts.labelChars ?? Math.max(0, ...labels.map((l) => l.length));
  checkInt('imageGrid', 'labelChars', labelChars, 0);
  const labelScale = opts.labelScale ?? Math.max(1, Math.floor(height / 14));
  checkInt('imageGrid', 'labelScale', labelScale, 1);
  // Tiles shift right by the label margin (the label's width plus one padding gap).
  const left = labelChars > 0 ? textWidth('M'.repeat(labelChars), labelScale) + Math.max(pad, labelScale) : 0;
  const W = left + cols * (width + pad) + pad;
  const H = rows * (height + pad) + pad;
  const rgba = new Uint8ClampedArray(W * H * 4);

  // Background (padding and empty cells) stays gray even under a colour map: a viridis
  // "white" would be yellow.
  for (let p = 0; p < W * H; p++) writeColor(rgba, 4 * p, padValue, 'gray');
  const scale = 1 / (hi - lo);
  for (let k = 0; k < count; k++) {
    const x0 = left + pad + (k % cols) * (width + pad);
    const y0 = pad + Math.floor(k / cols) * (height + pad);
    for (let i = 0; i < height; i++) {
      for (let j = 0; j < width; j++) {
        const v = images[k * per + i * width + j]!;
        if (Number.isNaN(v)) {
          throw new Error(`imageGrid: image ${k} is NaN at pixel (row ${i}, col ${j}) (flat index ${k * per + i * width + j})`);
        }
        const t = Math.min(1, Math.max(0, (v - lo) * scale));
        writeColor(rgba, 4 * ((y0 + i) * W + x0 + j), t, cmap);
      }
    }
  }
  // Labels contrast with the background: black on light, white on dark.
  const ink = padValue >= 0.5 ? 0 : 255;
  labels.forEach((text, r) => {
    const y = pad + r * (height + pad) + Math.floor((height - GLYPH_HEIGHT * labelScale) / 2);
    // Cut to the margin so a long label never paints over the first tile.
    drawTextInPlace(rgba, W, H, text.slice(0, labelChars), pad, y, labelScale, [ink, ink, ink]);
  });
  return { width: W, height: H, rgba };
}

/** One image as a heatmap: a 1×1 grid without padding, colour-mapped (default viridis). */
export function heatmap(
  values: ArrayLike<number>,
  height: number,
  width: number,
  opts: { readonly colormap?: Colormap; readonly range?: readonly [number, number] } = {},
): RgbaImage {
  let range = opts.range;
  if (range === undefined) {
    // Auto-range over finite values; NaN still reaches imageGrid's check.
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    if (!(hi > lo)) {
      lo = Number.isFinite(lo) ? lo - 0.5 : 0;
      hi = lo + 1;
    }
    range = [lo, hi];
  }
  return imageGrid(values, 1, height, width, { cols: 1, padding: 0, colormap: opts.colormap ?? 'viridis', range });
}

/**
 * Stack two rasters vertically, `gap` rows of background between them. The narrower one is
 * left-aligned and the rest filled with `padValue` (gray level, default 1 = white).
 */
export function stackGrids(
  top: RgbaImage,
  bottom: RgbaImage,
  opts: { readonly gap?: number; readonly padValue?: number } = {},
): RgbaImage {
  const gap = opts.gap ?? 0;
  checkInt('stackGrids', 'gap', gap, 0);
  const bg = Math.round((opts.padValue ?? 1) * 255);
  for (const [name, g] of [['top', top], ['bottom', bottom]] as const) {
    if (g.rgba.length !== g.width * g.height * 4) {
      throw new Error(`stackGrids: ${name} has ${g.rgba.length} bytes, expected ${g.width}*${g.height}*4`);
    }
  }
  const W = Math.max(top.width, bottom.width);
  const H = top.height + gap + bottom.height;
  const rgba = new Uint8ClampedArray(W * H * 4);
  for (let p = 0; p < W * H; p++) {
    rgba[4 * p] = bg;
    rgba[4 * p + 1] = bg;
    rgba[4 * p + 2] = bg;
    rgba[4 * p + 3] = 255;
  }
  const blit = (src: RgbaImage, y0: number): void => {
    for (let y = 0; y < src.height; y++) {
      rgba.set(src.rgba.subarray(y * src.width * 4, (y + 1) * src.width * 4), ((y0 + y) * W) * 4);
    }
  };
  blit(top, 0);
  blit(bottom, top.height + gap);
  return { width: W, height: H, rgba };
}

/** Nearest-neighbour upscale by an integer factor, so 28×28 digits stay crisp when viewed. */
export function upscale(img: RgbaImage, factor: number): RgbaImage {
  checkInt('upscale', 'factor', factor, 1);
  const W = img.width * factor;
  const H = img.height * factor;
  const rgba = new Uint8ClampedArray(W * H * 4);
  // Whole pixels as 32-bit words; a view at an unaligned offset must be copied first.
  const bytes = img.rgba.byteOffset % 4 === 0 ? img.rgba : img.rgba.slice();
  const src = new Uint32Array(bytes.buffer, bytes.byteOffset, img.width * img.height);
  const dst = new Uint32Array(rgba.buffer);
  for (let y = 0; y < H; y++) {
    const sy = Math.floor(y / factor) * img.width;
    for (let x = 0; x < W; x++) dst[y * W + x] = src[sy + Math.floor(x / factor)]!;
  }
  return { width: W, height: H, rgba };
}
