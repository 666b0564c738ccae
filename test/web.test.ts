// The latent-space explorer (`elbo web`) in a real browser: Debian's chromium driven by playwright-core
// against the node:http server, on two small checkpoints trained here in seconds. The page's decodes
// are compared pixel for pixel with decodeMean in Node. Skips, saying how to install it, without chromium.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { main } from '../cli/elbo.js';
import { decodeMeans, encodeMeans } from '../src/models/evaluate.js';
import type { LatentModel } from '../src/models/model.js';
import { loadMnist } from '../src/data/node.js';
import { openRun, trainRun } from '../src/train/run.js';
import { imageGrid } from '../src/viz/grid.js';
import { latentPlane } from '../src/viz/latent.js';
import { buildPage } from '../web/build.js';
import { startWebServer, type WebServer } from '../web/server.js';

const CHROMIUM = process.env['CHROMIUM'] ?? '/usr/bin/chromium';
const SKIP = existsSync(CHROMIUM)
  ? false
  : `no chromium at ${CHROMIUM}: install it (Debian: apt-get install -y chromium) or set CHROMIUM to its path`;
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const POINTS = 200;

/** A 1-epoch run on 300 MNIST images (js backend, seeded): seconds, and enough structure to draw. */
async function trainSmall(out: string, model: string, latent: number): Promise<LatentModel> {
  await trainRun({
    out, model, latent, hidden: [32], inputDim: 784, data: 'mnist', limit: 300, testLimit: 50, epochs: 1, batchSize: 50, lr: 1e-3,
    optimizer: 'adam', seed: 7, binarize: false, resume: false, iw: 0, report: false, progress: false,
  });
  return openRun(out).model as LatentModel;
}

/** RGBA bytes of a 28×28 canvas on the page. */
async function canvasPixels(page: Page, id: string): Promise<number[]> {
  return page.evaluate((sel) => {
    const c = document.getElementById(sel);
    if (!(c instanceof HTMLCanvasElement)) throw new Error(`no canvas #${sel}`);
    const ctx = c.getContext('2d');
    if (!ctx) throw new Error('no 2-D context');
    return Array.from(ctx.getImageData(0, 0, c.width, c.height).data);
  }, id);
}

async function dataJson(page: Page, selector: string, attr: string): Promise<number[]> {
  const v = await page.getAttribute(selector, attr);
  assert.ok(v !== null, `${selector} has no ${attr}`);
  return JSON.parse(v) as number[];
}

/** What Node draws for latent z: the decoder mean through the same gray mapping (imageGrid). */
function expectedPixels(model: LatentModel, z: readonly number[]): number[] {
  return Array.from(imageGrid(decodeMeans(model, Float32Array.from(z)), 1, 28, 28, { padding: 0 }).rgba);
}

/** Largest per-channel difference, and how many channels differ at all. */
function compare(got: readonly number[], want: readonly number[]): { max: number; differing: number } {
  assert.equal(got.length, want.length, 'image sizes differ');
  let max = 0;
  let differing = 0;
  got.forEach((g, i) => {
    const d = Math.abs(g - want[i]!);
    max = Math.max(max, d);
    if (d > 0) differing++;
  });
  return { max, differing };
}

describe('elbo web: the latent-space explorer page', { skip: SKIP }, () => {
  let dir = '';
  let pageDir = '';
  let ctx: BrowserContext | undefined;
  const servers: WebServer[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'elbo-web-'));
    pageDir = join(dir, 'page');
    await buildPage(pageDir);
    ctx = await chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 1400 } });
  });

  after(async () => {
    await ctx?.close();
    for (const s of servers) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(run: string, query = ''): Promise<Page> {
    const server = await startWebServer({ source: run, port: 0, host: '127.0.0.1', points: POINTS, pageDir });
    servers.push(server);
    assert.ok(ctx);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + query);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 }).catch(async (e: unknown) => {
      throw new Error(`page not ready: ${await page.textContent('#status')} ${errors.join('; ')} (${String(e)})`);
    });
    assert.deepEqual(errors, []);
    return page;
  }

  test('a 2-D VAE on the wasm backend: all points drawn, a plane click and a slider decode what decodeMean gives', async () => {
    const run = join(dir, 'vae2');
    const model = await trainSmall(run, 'vae', 2);
    const page = await open(run);
    assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'COOP/COEP headers make the page cross-origin isolated');
    assert.match((await page.textContent('#backend')) ?? '', /^backend: wasm · 2 threads/);
    assert.equal(await page.getAttribute('#scatter', 'data-points'), String(POINTS));
    assert.equal(await page.locator('#legend li').count(), 10, 'one legend entry per digit');
    assert.equal(await page.locator('#manifold').isVisible(), true, 'a 2-D model shows its manifold grid');

    // Just inside the plot's left edge: no point is within hover range there (the axes are padded).
    const box = await page.locator('#scatter').boundingBox();
    assert.ok(box);
    await page.mouse.click(box.x + 50, box.y + box.height * 0.4);
    const [u, v] = await dataJson(page, '#decoded', 'data-plane');
    const z = await dataJson(page, '#decoded', 'data-z');
    assert.deepEqual(z, [Math.fround(u!), Math.fround(v!)], 'in 2-D the plane is the latent space itself');
    // wasm and js sum float32 products in different orders: one gray level at most, and rarely.
    const clicked = await canvasPixels(page, 'decoded');
    const c1 = compare(clicked, expectedPixels(model, z));
    assert.ok(c1.max <= 1 && c1.differing <= 40, `plane decode differs from Node's: max ${c1.max}, ${c1.differing} channels`);

    const slider = page.locator('#sliders input[data-dim="1"]');
    await slider.fill('-1.5');
    const value = Number(await slider.inputValue());
    const z2 = await dataJson(page, '#decoded', 'data-z');
    assert.deepEqual(z2, [z[0], Math.fround(value)], 'the slider edits its own coordinate only');
    const moved = await canvasPixels(page, 'decoded');
    const c2 = compare(moved, expectedPixels(model, z2));
    assert.ok(c2.max <= 1 && c2.differing <= 40, `slider decode differs from Node's: max ${c2.max}, ${c2.differing} channels`);
    assert.ok(compare(moved, clicked).max > 10, 'moving the slider changes the image');
  });

  test('a 5-D autoencoder on the js backend: PCA plane, a click decodes plane.toLatent(u, v) exactly as Node does', async () => {
    const run = join(dir, 'ae5');
    const model = await trainSmall(run, 'ae', 5);
    const page = await open(run, '?backend=js');
    assert.match((await page.textContent('#backend')) ?? '', /^backend: js/);
    assert.equal(await page.getAttribute('#scatter', 'data-points'), String(POINTS));
    assert.match((await page.textContent('#scatter-note')) ?? '', /principal components \(d = 5/);
    assert.match((await page.textContent('#manifold-note')) ?? '', /needs a 2-D latent space; this model has d = 5/);
    assert.equal(await page.locator('#sliders input').count(), 5, 'one slider per latent dimension');

    const box = await page.locator('#scatter').boundingBox();
    assert.ok(box);
    await page.mouse.click(box.x + 50, box.y + box.height * 0.6);
    const [u, v] = await dataJson(page, '#decoded', 'data-plane');
    const z = await dataJson(page, '#decoded', 'data-z');
    const test = loadMnist({ split: 'test', limit: POINTS });
    const plane = latentPlane(encodeMeans(model, test.x), POINTS, 5);
    assert.deepEqual(z, Array.from(plane.toLatent(u!, v!)), 'the page maps the plane back through the same projection');
    assert.deepEqual(await canvasPixels(page, 'decoded'), expectedPixels(model, z));

    await page.locator('#sliders input[data-dim="3"]').fill('0.5');
    const z2 = await dataJson(page, '#decoded', 'data-z');
    assert.deepEqual(z2.filter((_, j) => j !== 3), z.filter((_, j) => j !== 3));
    assert.deepEqual(await canvasPixels(page, 'decoded'), expectedPixels(model, z2));
  });

  test('a picked file that is not an elbo checkpoint gets a clear message in the page', async () => {
    const page = await open(join(dir, 'ae5'), '?backend=js');
    const bad = join(dir, 'notes.safetensors');
    writeFileSync(bad, 'not a checkpoint');
    await page.setInputFiles('#file', bad);
    await page.waitForSelector('#status.error');
    assert.match((await page.textContent('#status')) ?? '', /^Cannot open notes\.safetensors: .+ The explorer opens elbo checkpoints of the kinds vae, beta-vae, ae, linear-ae, gmvae\.$/);
  });
});

test('elbo web without a checkpoint exits 1 with one line naming the file it expected', async () => {
  const err: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  let code: number;
  try {
    code = await main(['web', 'runs/nowhere', '--backend', 'js']);
  } finally {
    process.stderr.write = write;
  }
  assert.equal(code, 1);
  assert.equal(err.join(''), `elbo: web: no checkpoint at runs/nowhere (expected ${join('runs/nowhere', 'checkpoint.safetensors')})\n`);
});
