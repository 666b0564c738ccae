// The latent-space explorer page: loads a checkpoint (from `elbo web` or a dropped file) and the
// served MNIST test images, then wires the library's encoder, decoder, projection and grids to
// the scatter, sliders, interpolation strip and manifold. UI only: every number comes from elbo.
import {
  boxLatents, createWasmBackend, decodeMeans, decodeTrainState, encodeMeans, getBackend, idxImagesToDataset, imageGrid,
  imageShapeOf, interpolateLatents, isGenerativeModel, isLatentModel, jsBackend, latentPlane, manifoldLatents, MODEL_KINDS,
  parseIdx, restoreModel, setBackend, type Dataset, type LatentModel, type LatentPlane, type RgbaImage,
} from '../src/index.js';
import { labelColor, ScatterPlot, type Marker } from './scatter.js';

const SCATTER_SIZE = 600;
const HOVER_PX = 6;
const INTERPOLATION_STEPS = 10;
const MANIFOLD_SIZE = 20;

function el<T extends HTMLElement>(id: string, type: new () => T): T {
  const e = document.getElementById(id);
  if (!(e instanceof type)) throw new Error(`page: element #${id} is missing`);
  return e;
}

const ui = {
  status: el('status', HTMLElement),
  backend: el('backend', HTMLElement),
  run: el('run-info', HTMLElement),
  file: el('file', HTMLInputElement),
  explorer: el('explorer', HTMLElement),
  scatterTitle: el('scatter-title', HTMLElement),
  scatterNote: el('scatter-note', HTMLElement),
  scatter: el('scatter', HTMLCanvasElement),
  legend: el('legend', HTMLElement),
  original: el('original', HTMLCanvasElement),
  reconstruction: el('reconstruction', HTMLCanvasElement),
  pointInfo: el('point-info', HTMLElement),
  decoded: el('decoded', HTMLCanvasElement),
  zText: el('z-text', HTMLElement),
  sliders: el('sliders', HTMLElement),
  setA: el('set-a', HTMLButtonElement),
  setB: el('set-b', HTMLButtonElement),
  interpolation: el('interpolation', HTMLCanvasElement),
  manifold: el('manifold', HTMLCanvasElement),
  manifoldNote: el('manifold-note', HTMLElement),
  drop: el('drop-overlay', HTMLElement),
};

function setStatus(text: string, kind: 'info' | 'error' = 'info'): void {
  ui.status.textContent = text;
  ui.status.className = kind;
  ui.status.hidden = text === '';
}

function paint(canvas: HTMLCanvasElement, img: RgbaImage): void {
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('page: this browser has no 2-D canvas');
  ctx.putImageData(new ImageData(new Uint8ClampedArray(img.rgba), img.width, img.height), 0, 0);
}

/** The wasm backend (threads where the page is cross-origin isolated), else the JS one; ?backend=js forces JS. */
async function installBackend(choice: string | null): Promise<string> {
  if (choice === 'js') {
    setBackend(jsBackend);
    return 'js (chosen with ?backend=js)';
  }
  try {
    const threads = crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
    const b = await createWasmBackend(jsBackend, { threads });
    setBackend(b);
    const t = `${b.wasm.threads} thread${b.wasm.threads === 1 ? '' : 's'}`;
    return `wasm · ${t}${b.wasm.relaxedSimd ? ' · relaxed SIMD' : ''}${b.wasm.reason ? ` (${b.wasm.reason})` : ''}`;
  } catch (e) {
    setBackend(jsBackend);
    return `js (wasm unavailable: ${e instanceof Error ? e.message : String(e)})`;
  }
}

async function fetchBytes(path: string): Promise<Uint8Array> {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status} ${(await r.text()).trim()}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** The served MNIST test images with labels, or null when no `elbo web` server is behind the page. */
async function loadTestImages(): Promise<Dataset | null> {
  try {
    const [images, labels] = await Promise.all([fetchBytes('api/mnist-test-images.idx'), fetchBytes('api/mnist-test-labels.idx')]);
    return idxImagesToDataset(parseIdx(images, 'mnist-test-images.idx'), parseIdx(labels, 'mnist-test-labels.idx'), { name: 'mnist-test' });
  } catch {
    return null;
  }
}

/** Everything the page shows for one opened model. */
class View {
  private z: Float32Array;
  private a: Float32Array;
  private b: Float32Array;
  private selected = -1;
  private hovered = -1;
  private dragging = false;
  private pending: [number, number] | null = null;
  private readonly sliders: HTMLInputElement[] = [];
  private readonly readouts: HTMLElement[] = [];

  constructor(
    private readonly model: LatentModel,
    private readonly shape: [number, number],
    private readonly data: Dataset | null,
    private readonly latents: Float32Array | null,
    private readonly plane: LatentPlane | null,
    private readonly scatter: ScatterPlot | null,
  ) {
    const d = model.latentDim;
    this.z = latents && latents.length >= d ? latents.slice(0, d) : new Float32Array(d);
    this.a = this.z.slice();
    this.b = latents && latents.length >= 2 * d ? latents.slice(d, 2 * d) : this.z.map((v) => v + 1);
    this.buildSliders();
    this.buildManifold();
    this.setZ(this.z, -1);
    if (data && latents) this.select(0);
    this.drawInterpolation();
  }

  private latentOf(i: number): Float32Array {
    const d = this.model.latentDim;
    return (this.latents ?? new Float32Array(0)).slice(i * d, (i + 1) * d);
  }

  private decodeImage(z: Float32Array, count: number, opts: { cols?: number; padding?: number } = {}): RgbaImage {
    const [h, w] = this.shape;
    return imageGrid(decodeMeans(this.model, z), count, h, w, { cols: opts.cols ?? count, padding: opts.padding ?? 0 });
  }

  /** Slider ranges: the encoded test latents' range per unit, padded; ±3 (the prior's bulk) without data. */
  private buildSliders(): void {
    const d = this.model.latentDim;
    ui.sliders.replaceChildren();
    for (let j = 0; j < d; j++) {
      let [lo, hi] = [-3, 3];
      if (this.latents) {
        [lo, hi] = [Infinity, -Infinity];
        for (let i = j; i < this.latents.length; i += d) {
          lo = Math.min(lo, this.latents[i]!);
          hi = Math.max(hi, this.latents[i]!);
        }
        const pad = Math.max(0.25 * (hi - lo), 0.5);
        [lo, hi] = [lo - pad, hi + pad];
      }
      const row = document.createElement('label');
      row.className = 'slider';
      const name = document.createElement('span');
      name.textContent = `z${j + 1}`;
      const input = document.createElement('input');
      input.type = 'range';
      input.min = lo.toPrecision(4);
      input.max = hi.toPrecision(4);
      input.step = ((hi - lo) / 400).toPrecision(3);
      input.dataset['dim'] = String(j);
      const readout = document.createElement('output');
      input.addEventListener('input', () => {
        const z = this.z.slice();
        z[j] = Number(input.value);
        this.setZ(z, j);
      });
      row.append(name, input, readout);
      ui.sliders.append(row);
      this.sliders.push(input);
      this.readouts.push(readout);
    }
  }

  /** Decode z and show it everywhere it appears; `fromSlider` is the slider being dragged (left alone), or -1. */
  setZ(z: Float32Array, fromSlider: number): void {
    this.z = z;
    paint(ui.decoded, this.decodeImage(z, 1));
    ui.decoded.dataset['z'] = JSON.stringify(Array.from(z));
    this.sliders.forEach((s, j) => {
      if (j !== fromSlider) s.value = String(z[j]);
      this.readouts[j]!.textContent = z[j]!.toFixed(2);
    });
    const shown = Array.from(z.subarray(0, 8), (v) => v.toFixed(2)).join(', ');
    ui.zText.textContent = `z = (${shown}${z.length > 8 ? ', …' : ''})`;
    this.redraw();
  }

  /** Show test image i and its reconstruction (the decoder mean at its encoder mean). */
  private showPoint(i: number): void {
    if (!this.data || !this.latents) return;
    const [h, w] = this.shape;
    const dim = this.data.dim;
    paint(ui.original, imageGrid(this.data.x.subarray(i * dim, (i + 1) * dim), 1, h, w, { padding: 0 }));
    paint(ui.reconstruction, this.decodeImage(this.latentOf(i), 1));
    const label = this.data.labels?.[i];
    ui.pointInfo.textContent = `test image #${i}${label !== undefined ? ` · digit ${label}` : ''}`;
    ui.original.dataset['index'] = String(i);
  }

  private select(i: number): void {
    this.selected = i;
    this.showPoint(i);
    this.setZ(this.latentOf(i), -1);
  }

  private decodeAt(x: number, y: number): void {
    if (!this.scatter || !this.plane) return;
    const [u, v] = this.scatter.toPlane(x, y);
    ui.decoded.dataset['plane'] = JSON.stringify([u, v]);
    this.setZ(this.plane.toLatent(u, v), -1);
  }

  pointerDown(x: number, y: number): void {
    if (!this.scatter) return;
    const i = this.scatter.nearest(x, y, HOVER_PX);
    if (i >= 0) {
      this.select(i);
      return;
    }
    this.dragging = true;
    this.decodeAt(x, y);
  }

  pointerMove(x: number, y: number): void {
    if (!this.scatter) return;
    if (this.dragging) {
      // One decode per frame however fast the pointer moves.
      if (this.pending === null) {
        requestAnimationFrame(() => {
          if (this.pending) this.decodeAt(...this.pending);
          this.pending = null;
        });
      }
      this.pending = [x, y];
      return;
    }
    const i = this.scatter.nearest(x, y, HOVER_PX);
    if (i !== this.hovered) {
      this.hovered = i;
      this.showPoint(i >= 0 ? i : Math.max(0, this.selected));
      this.redraw();
    }
  }

  pointerUp(): void {
    this.dragging = false;
  }

  pointerLeave(): void {
    if (this.hovered >= 0) {
      this.hovered = -1;
      if (this.selected >= 0) this.showPoint(this.selected);
      this.redraw();
    }
  }

  setEndpoint(which: 'a' | 'b'): void {
    if (which === 'a') this.a = this.z.slice();
    else this.b = this.z.slice();
    this.drawInterpolation();
    this.redraw();
  }

  private drawInterpolation(): void {
    const z = interpolateLatents(this.a, this.b, INTERPOLATION_STEPS);
    paint(ui.interpolation, this.decodeImage(z, INTERPOLATION_STEPS, { padding: 2 }));
    ui.interpolation.dataset['steps'] = String(INTERPOLATION_STEPS);
  }

  /** d = 2: decoder means over a 20×20 grid (prior quantiles with a prior, else the scatter's box); tiles are clickable. */
  private buildManifold(): void {
    const d = this.model.latentDim;
    if (d !== 2) {
      ui.manifold.hidden = true;
      ui.manifoldNote.textContent = `The manifold grid needs a 2-D latent space; this model has d = ${d}. Drag on the plane or use the sliders instead.`;
      return;
    }
    const n = MANIFOLD_SIZE;
    const b = this.scatter?.bounds;
    const prior = isGenerativeModel(this.model);
    const grid = prior || !b ? manifoldLatents(n) : boxLatents(n, b.u0, b.u1, b.v0, b.v1);
    paint(ui.manifold, this.decodeImage(grid, n * n, { cols: n }));
    ui.manifold.hidden = false;
    ui.manifoldNote.textContent = prior || !b
      ? `Decoder means at z = (Φ⁻¹(u), Φ⁻¹(v)) for u, v on a ${n}×${n} grid of (0, 1): equal prior mass per tile (Kingma & Welling 2014, fig. 4). Click a tile to decode it.`
      : `Decoder outputs on a ${n}×${n} grid over the scatter's box (this model has no prior). Click a tile to decode it.`;
    ui.manifold.onclick = (e) => {
      const r = ui.manifold.getBoundingClientRect();
      const col = Math.min(n - 1, Math.floor(((e.clientX - r.left) / r.width) * n));
      const row = Math.min(n - 1, Math.floor(((e.clientY - r.top) / r.height) * n));
      this.setZ(grid.slice(2 * (row * n + col), 2 * (row * n + col) + 2), -1);
    };
  }

  redraw(): void {
    if (!this.scatter || !this.plane) return;
    const markers: Marker[] = [];
    const at = (i: number): [number, number] => [this.plane!.points[2 * i]!, this.plane!.points[2 * i + 1]!];
    if (this.selected >= 0) markers.push({ ...xy(at(this.selected)), kind: 'selected' });
    if (this.hovered >= 0) markers.push({ ...xy(at(this.hovered)), kind: 'hover' });
    const pa = this.plane.toPlane(this.a);
    const pb = this.plane.toPlane(this.b);
    markers.push({ ...xy(pa), kind: 'endpoint', text: 'A' }, { ...xy(pb), kind: 'endpoint', text: 'B' });
    markers.push({ ...xy(this.plane.toPlane(this.z)), kind: 'cursor' });
    this.scatter.draw(markers, [pa, pb]);
  }
}

function xy([u, v]: readonly [number, number]): { u: number; v: number } {
  return { u, v };
}

let view: View | null = null;

function describeRun(name: string, config: Record<string, unknown>, epoch: number, testLoss: number | undefined): string {
  const parts = [String(config['kind']), `d = ${String(config['latentDim'])}`, `${epoch} epoch${epoch === 1 ? '' : 's'}`];
  if (config['kind'] === 'gmvae' && config['clusters'] !== undefined) parts.splice(2, 0, `K = ${String(config['clusters'])}`);
  if (testLoss !== undefined) parts.push(`test loss ${testLoss.toFixed(2)}`);
  return `${name} · ${parts.join(' · ')}`;
}

/** Open a checkpoint's bytes: rebuild the model, encode the test images, lay out every view. */
async function openCheckpoint(bytes: Uint8Array, name: string, data: Dataset | null): Promise<void> {
  view = null;
  ui.explorer.hidden = true;
  setStatus(`Opening ${name}…`);
  // Let the status paint before the encoder runs.
  await new Promise((r) => setTimeout(r, 0));
  let model;
  let state;
  try {
    state = decodeTrainState(bytes, name);
    model = restoreModel(state);
  } catch (e) {
    setStatus(`Cannot open ${name}: ${e instanceof Error ? e.message : String(e)}. The explorer opens elbo checkpoints of the kinds ${MODEL_KINDS.join(', ')}.`, 'error');
    return;
  }
  if (!isLatentModel(model)) {
    setStatus(`Model kind "${state.config.kind}" is not supported here: the explorer needs a model with encodeMean and decodeMean.`, 'error');
    return;
  }
  const shape = imageShapeOf({ dim: model.config.inputDim });
  if (!shape) {
    setStatus(`Model kind "${state.config.kind}" decodes ${model.config.inputDim} values, which are not a square image; the explorer shows images only.`, 'error');
    return;
  }
  const last = state.metrics[state.metrics.length - 1];
  ui.run.textContent = describeRun(name, state.config, state.epoch, last?.testLoss);
  const usable = data !== null && data.dim === model.config.inputDim ? data : null;
  const t0 = performance.now();
  const latents = usable ? encodeMeans(model, usable.x) : null;
  const plane = usable && latents ? latentPlane(latents, usable.n, model.latentDim) : null;
  const encodeMs = performance.now() - t0;
  const scatter = usable && plane ? new ScatterPlot(ui.scatter, plane.points, usable.labels, plane.axisTitles, SCATTER_SIZE) : null;
  ui.scatter.dataset['points'] = String(scatter?.count ?? 0);
  ui.scatter.hidden = scatter === null;
  if (usable && plane) {
    const how = plane.kind === 'pca' && plane.explainedFraction
      ? `projected on their top two principal components (d = ${model.latentDim}; ${(100 * plane.explainedFraction[0]).toFixed(0)}% + ${(100 * plane.explainedFraction[1]).toFixed(0)}% of the variance)`
      : model.latentDim === 1 ? '(d = 1, drawn on a line)' : '';
    ui.scatterTitle.textContent = `Encoder means of ${usable.n} MNIST test images`;
    ui.scatterNote.textContent = `${how ? `${how[0]!.toUpperCase()}${how.slice(1)}. ` : ''}Encoded here in ${encodeMs.toFixed(0)} ms. Hover a point to see it; click one to select it; click or drag anywhere else to decode that spot${plane.kind === 'pca' ? ' (the other components at their mean)' : ''}.`;
  } else {
    ui.scatterTitle.textContent = 'No latent scatter';
    ui.scatterNote.textContent = data === null
      ? 'No test images were served (open the page through `elbo web`). The sliders still decode.'
      : `This model takes ${model.config.inputDim} inputs; the served test images have ${data.dim}. The sliders still decode.`;
  }
  ui.legend.replaceChildren(...(usable?.labels ? [...new Set(usable.labels)].sort((p, q) => p - q) : []).map((l) => {
    const li = document.createElement('li');
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = labelColor(l);
    li.append(sw, String(l));
    return li;
  }));
  view = new View(model, shape, usable, latents, plane, scatter);
  ui.explorer.hidden = false;
  setStatus('');
  document.body.dataset['ready'] = 'true';
}

function pos(e: PointerEvent): [number, number] {
  const r = ui.scatter.getBoundingClientRect();
  return [e.clientX - r.left, e.clientY - r.top];
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  ui.backend.textContent = 'backend: starting…';
  const label = await installBackend(params.get('backend'));
  ui.backend.textContent = `backend: ${label}`;
  ui.backend.dataset['backend'] = getBackend().name;

  ui.scatter.addEventListener('pointerdown', (e) => {
    ui.scatter.setPointerCapture(e.pointerId);
    view?.pointerDown(...pos(e));
  });
  ui.scatter.addEventListener('pointermove', (e) => view?.pointerMove(...pos(e)));
  ui.scatter.addEventListener('pointerup', () => view?.pointerUp());
  ui.scatter.addEventListener('pointerleave', () => view?.pointerLeave());
  ui.setA.addEventListener('click', () => view?.setEndpoint('a'));
  ui.setB.addEventListener('click', () => view?.setEndpoint('b'));

  setStatus('Loading the checkpoint and the test images…');
  const data = await loadTestImages();
  const openFile = async (f: File): Promise<void> => openCheckpoint(new Uint8Array(await f.arrayBuffer()), f.name, data);
  ui.file.addEventListener('change', () => {
    const f = ui.file.files?.[0];
    if (f) void openFile(f);
  });
  window.addEventListener('dragover', (e) => {
    e.preventDefault();
    ui.drop.hidden = false;
  });
  window.addEventListener('dragleave', (e) => {
    if (e.relatedTarget === null) ui.drop.hidden = true;
  });
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    ui.drop.hidden = true;
    const f = e.dataTransfer?.files[0];
    if (f) void openFile(f);
  });

  let served: Uint8Array | null = null;
  let name = 'checkpoint';
  try {
    const info: unknown = await (await fetch('api/run.json')).json();
    if (typeof info === 'object' && info !== null && 'name' in info && typeof info.name === 'string') name = info.name;
    served = await fetchBytes('api/checkpoint.safetensors');
  } catch {
    served = null;
  }
  if (served) await openCheckpoint(served, name, data);
  else setStatus('No checkpoint is served here: open or drop a .safetensors file written by elbo train.');
}

main().catch((e: unknown) => setStatus(`The page failed: ${e instanceof Error ? e.message : String(e)}`, 'error'));
