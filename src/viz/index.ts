// Browser-safe visualisation: image grids as RGBA rasters, Vega-Lite spec builders, SVG rendering.
// File output (PNG encoding, rasterising) is Node-only: import it from './node.js'.
export { heatmap, imageGrid, stackGrids, upscale } from './grid.js';
export type { Colormap, ImageGridOptions, RgbaImage } from './grid.js';
export { FONT_STACK, barSpec, latentScatterSpec, lineSpec, lossCurveSpec } from './specs.js';
export type {
  BarOptions,
  BarRow,
  LineOptions,
  LineRow,
  LossCurveOptions,
  LossRow,
  ScatterOptions,
  ScatterPoint,
  SizeOptions,
} from './specs.js';
export { compileSpec, specToSvg, specToSvgWithWarnings } from './render.js';
export type { CompiledSpec, SvgResult } from './render.js';
