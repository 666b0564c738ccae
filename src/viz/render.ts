// Vega-Lite spec → Vega spec → SVG string, headless (renderer 'none'): no DOM, no canvas,
// so it runs the same in a browser, a worker or Node. Warnings are collected, not printed.
import { parse, View, type LoggerInterface, type Spec as VegaSpec } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface CompiledSpec {
  readonly vega: VegaSpec;
  /** Warnings from the Vega-Lite compiler, e.g. an unknown field or an invalid scale. */
  readonly warnings: readonly string[];
}

// Vega's log levels (vega-util): None 0, Error 1, Warn 2, Info 3, Debug 4.
const WARN = 2;

/** A logger that records warnings and errors instead of writing to the console. */
function collectingLogger(sink: string[]): LoggerInterface {
  let level = WARN;
  const fmt = (args: unknown[]): string => args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');
  const logger: LoggerInterface = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error(...args: unknown[]) {
      sink.push(`error: ${fmt(args)}`);
      return logger;
    },
    warn(...args: unknown[]) {
      if (level >= WARN) sink.push(fmt(args));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger;
}

/** Compile a Vega-Lite spec to Vega, returning the compiler's warnings alongside. */
export function compileSpec(spec: TopLevelSpec): CompiledSpec {
  const warnings: string[] = [];
  const { spec: vega } = compile(spec, { logger: collectingLogger(warnings) });
  return { vega, warnings };
}

export interface SvgResult {
  readonly svg: string;
  /** Compiler and runtime warnings; empty for a clean spec. */
  readonly warnings: readonly string[];
}

/**
 * Render a Vega-Lite spec to an SVG string. Deterministic for a given spec: no timers,
 * no randomness, and text is measured by Vega's font-size estimate when no canvas exists.
 */
export async function specToSvgWithWarnings(spec: TopLevelSpec): Promise<SvgResult> {
  const { vega, warnings } = compileSpec(spec);
  const all = [...warnings];
  const view = new View(parse(vega), { renderer: 'none', logger: collectingLogger(all), logLevel: WARN });
  try {
    const svg = await view.toSVG();
    return { svg, warnings: all };
  } finally {
    view.finalize();
  }
}

/** Render a Vega-Lite spec to an SVG string (see specToSvgWithWarnings). */
export async function specToSvg(spec: TopLevelSpec): Promise<string> {
  return (await specToSvgWithWarnings(spec)).svg;
}
