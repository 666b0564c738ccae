// Bundles the latent-space explorer (web/app.ts and the library it imports) with esbuild into
// dist/page/, beside its HTML and CSS. Run by `npm run build:web` (also on npm install and npm run build).
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { PAGE_DIR, WEB_SOURCE_DIR } from './paths.js';

/** The static files copied as they are. */
const STATIC_FILES = ['index.html', 'style.css'] as const;

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
  });
  for (const f of STATIC_FILES) copyFileSync(join(WEB_SOURCE_DIR, f), join(outDir, f));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildPage();
}
