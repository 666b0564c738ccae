// Node-only output: PNG encoding (pngjs), SVG rasterising (resvg) and atomic file writes.
// The only viz file allowed Node modules; everything browser-safe is in index.ts.
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import { PNG } from 'pngjs';
import type { TopLevelSpec } from 'vega-lite';
import type { RgbaImage } from './grid.js';
import { specToSvg } from './render.js';
import { FONT_STACK } from './specs.js';

/** Write to `path.tmp`, then rename: readers never see a half-written file. */
function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Encode an RGBA raster as PNG bytes. */
export function encodePng(img: RgbaImage): Buffer {
  if (img.rgba.length !== img.width * img.height * 4) {
    throw new Error(`encodePng: rgba has ${img.rgba.length} bytes, expected ${img.width}*${img.height}*4`);
  }
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.rgba.buffer, img.rgba.byteOffset, img.rgba.byteLength);
  return PNG.sync.write(png);
}

/** Write an RGBA raster (e.g. from imageGrid) as a PNG file, atomically. */
export function writePng(path: string, img: RgbaImage): void {
  writeAtomic(path, encodePng(img));
}

export interface SvgToPngOptions {
  /** Zoom factor; 2 gives crisp text on high-DPI screens and in reports. Default 2. */
  readonly scale?: number;
  /** Extra font files; used first, before the fonts found on the system. */
  readonly fontFiles?: readonly string[];
}

// NOTE: resvg silently drops text whose font it cannot find, so we pin a known font when one
// exists (fonts-dejavu-core on Debian/Ubuntu, also Fedora and Arch paths; Arial/Helvetica on
// macOS and Windows) and otherwise fall back to scanning the system fonts.
const KNOWN_FONTS: readonly { readonly family: string; readonly files: readonly string[] }[] = [
  {
    family: 'DejaVu Sans',
    files: [
      '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
      '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
    ],
  },
  { family: 'DejaVu Sans', files: ['/usr/share/fonts/dejavu/DejaVuSans.ttf', '/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf'] },
  {
    family: 'DejaVu Sans',
    files: ['/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf', '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf'],
  },
  { family: 'DejaVu Sans', files: ['/usr/share/fonts/TTF/DejaVuSans.ttf', '/usr/share/fonts/TTF/DejaVuSans-Bold.ttf'] },
  {
    family: 'Arial',
    files: ['/System/Library/Fonts/Supplemental/Arial.ttf', '/System/Library/Fonts/Supplemental/Arial Bold.ttf'],
  },
  { family: 'Arial', files: ['C:\\Windows\\Fonts\\arial.ttf', 'C:\\Windows\\Fonts\\arialbd.ttf'] },
];

type FontOptions = NonNullable<ResvgRenderOptions['font']>;

let knownFont: { readonly family: string; readonly files: readonly string[] } | null | undefined;
const checkedFonts = new Map<string, FontOptions>();

/**
 * Font options for resvg: the caller's files, then a pinned known font if present (no system
 * scan: faster, and the same pixels on every machine that has it), else all system fonts.
 * Each distinct configuration is checked once to really draw text.
 */
function fontOptions(extra: readonly string[]): FontOptions {
  const key = extra.join('\n');
  const cached = checkedFonts.get(key);
  if (cached) return cached;
  if (knownFont === undefined) {
    knownFont = null;
    for (const known of KNOWN_FONTS) {
      const files = known.files.filter((f) => existsSync(f));
      if (files.length > 0) {
        knownFont = { family: known.family, files };
        break;
      }
    }
  }
  const font: FontOptions = knownFont
    ? {
        loadSystemFonts: false,
        fontFiles: [...extra, ...knownFont.files],
        defaultFontFamily: knownFont.family,
        sansSerifFamily: knownFont.family,
      }
    : { loadSystemFonts: true, fontFiles: [...extra] };
  assertTextRenders(font);
  checkedFonts.set(key, font);
  return font;
}

/** Fail loudly rather than write charts with invisible titles and axis labels (probe uses the specs' font stack). */
function assertTextRenders(font: FontOptions): void {
  const probe =
    '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="30"><rect width="60" height="30" fill="white"/>' +
    `<text x="4" y="22" font-family="${FONT_STACK}" font-size="20" fill="black">Ag</text></svg>`;
  const { pixels } = new Resvg(probe, { font }).render();
  for (let i = 0; i < pixels.length; i += 4) if (pixels[i]! < 128) return;
  throw new Error(
    'svgToPng: no usable font found, text would be invisible; install one (Debian/Ubuntu: apt-get install fonts-dejavu-core) or pass fontFiles',
  );
}

/** Rasterise an SVG string to PNG bytes. */
export function svgToPng(svg: string, opts: SvgToPngOptions = {}): Buffer {
  const scale = opts.scale ?? 2;
  if (!(scale > 0 && Number.isFinite(scale))) throw new Error(`svgToPng: scale must be positive (got ${scale})`);
  const font = fontOptions(opts.fontFiles ?? []);
  const resvg = new Resvg(svg, { font, fitTo: { mode: 'zoom', value: scale }, background: 'white' });
  return resvg.render().asPng();
}

/** Render a Vega-Lite spec to a PNG file, atomically. */
export async function writeSpecPng(path: string, spec: TopLevelSpec, opts: SvgToPngOptions = {}): Promise<void> {
  writeAtomic(path, svgToPng(await specToSvg(spec), opts));
}

/** Render a Vega-Lite spec to an SVG file, atomically. */
export async function writeSpecSvg(path: string, spec: TopLevelSpec): Promise<void> {
  writeAtomic(path, await specToSvg(spec));
}
