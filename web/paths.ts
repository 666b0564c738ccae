// Where the built page lives: dist/page under the package root, found the same way from the
// sources (web/*.ts under tsx) and from the compiled CLI (dist/web/*.js).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest directory above this file holding package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('web: cannot find the package root (no package.json above web/)');
    dir = up;
  }
  return dir;
}

export const WEB_SOURCE_DIR = join(packageRoot(), 'web');
export const PAGE_DIR = join(packageRoot(), 'dist', 'page');
