// Bundles the latent-space explorer (web/app.ts and the library it imports) with esbuild into
// dist/page/, beside its HTML and CSS. Run by `npm run build:web` (also on npm install and npm run build).
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { PAGE_DIR, WEB_SOURCE_DIR } from './paths.js';

/** The static files copied as they are. */
const STATIC_FILES = ['index.html', 'style.css'] as const;

/**
 * csv-parse arrives through src/data/index.ts (the trainer imports it) though the page never parses
 * CSV; it builds Node Buffers at load time and does not declare itself free of side effects, so
 * saying so here lets esbuild drop it instead of failing in the browser with "Buffer is not defined".
 */
const csvParseIsPure: Plugin = {
  name: 'csv-parse-is-pure',
  setup(b) {
    const again = Symbol('csv-parse-is-pure');
    b.onResolve({ filter: /^csv-parse(\/|$)/ }, async (args) => {
      if (args.pluginData === again) return undefined;
      const r = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: again });
      return r.errors.length > 0 ? { errors: r.errors } : { path: r.path, sideEffects: false };
    });
  },
};

/** Write index.html, style.css and app.js (with its source map) into outDir. */
export async function buildPage(outDir: string = PAGE_DIR): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(WEB_SOURCE_DIR, 'app.ts')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // Top-level await and class fields as written; every browser with wasm SIMD has ES2022.
    target: 'es2022',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
    plugins: [csvParseIsPure],
  });
  for (const f of STATIC_FILES) copyFileSync(join(WEB_SOURCE_DIR, f), join(outDir, f));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildPage();
}
