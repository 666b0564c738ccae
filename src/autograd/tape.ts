// Reverse-mode autodiff on a dynamic graph. Each op application records a
// GradNode; backward() orders the graph iteratively (deep graphs must not
// blow the JS stack) and accumulates vector–Jacobian products per input.
import { Tensor } from '../tensor/tensor.js';
import { getBackend } from '../backend/registry.js';
import { allocate, allocateUninit } from '../tensor/dtype.js';
import { isScopeLocal, recycleScope } from '../tensor/pool.js';
import type { FloatArray } from '../backend/backend.js';
import { fmtShape, shapesEqual } from '../tensor/shape.js';

export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** The gradient for each input (null where that input needs none). Runs with recording off. */
  readonly backward: (g: Tensor) => readonly (Tensor | null)[];
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run fn without recording a graph (inference, optimizer updates, backward itself). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

function addTensors(a: Tensor, b: Tensor): Tensor {
  const out = allocateUninit(a.dtype, a.size);
  getBackend().binary('add', a.contiguousData(), a.shape, b.contiguousData(), b.shape, out, a.shape);
  return new Tensor(out, a.shape);
}

/** Nodes reachable from root in topological order (inputs before outputs), without recursion. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: { t: Tensor; next: number }[] = [{ t: root, next: 0 }];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const inputs = top.t.node ? top.t.node.inputs : [];
    if (top.next < inputs.length) {
      const child = inputs[top.next++]!;
      if (child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        stack.push({ t: child, next: 0 });
      }
    } else {
      order.push(top.t);
      stack.pop();
    }
  }
  return order;
}

export function backward(root: Tensor, seed?: Tensor): void {
  if (!root.requiresGrad) {
    throw new Error(`backward: ${root.toString()} does not require grad (no input with requiresGrad reached it)`);
  }
  let g0: Tensor;
  if (seed) {
    if (!shapesEqual(seed.shape, root.shape)) {
      throw new Error(`backward: gradient shape ${fmtShape(seed.shape)} does not match tensor shape ${fmtShape(root.shape)}`);
    }
    g0 = seed;
  } else {
    if (root.size !== 1) {
      throw new Error(`backward: called on a tensor of shape ${fmtShape(root.shape)}; pass a gradient or reduce to a scalar first`);
    }
    g0 = new Tensor(allocate(root.dtype, 1).fill(1), root.shape);
  }
  const order = topoOrder(root);
  const grads = new Map<Tensor, Tensor>([[root, g0]]);
  // Everything allocated in here is a temporary of this pass, except the leaf gradients (kept).
  const given = new Set<FloatArray>();
  const be = getBackend();
  recycleScope((keep) => noGrad(() => {
    try {
      for (let i = order.length - 1; i >= 0; i--) {
        const t = order[i]!;
        const g = grads.get(t);
        if (!g) continue;
        grads.delete(t);
        const node = t.node;
        if (!node) {
          // A leaf owns a private contiguous buffer, so in-place steps (clipGradNorm) never alias
          // the graph: a whole buffer made by this pass and not yet given to a leaf is adopted as
          // it is (nothing outside the pass can hold it; ops never write into their inputs),
          // anything else is copied.
          const adoptable = g.isContiguous && g.offset === 0 && g.data.length === g.size && isScopeLocal(g.data) && !given.has(g.data);
          if (!adoptable) be.sync?.(); // the copy reads g in JS
          const own = adoptable ? g : new Tensor(g.contiguousData().slice(), g.shape);
          t.grad = t.grad ? addTensors(t.grad, own) : own;
          given.add(t.grad.data);
          keep(t.grad.data);
          continue;
        }
        const inGrads = node.backward(g);
        for (let k = 0; k < node.inputs.length; k++) {
          const x = node.inputs[k]!;
          const gx = inGrads[k];
          if (!x.requiresGrad || !gx) continue;
          if (!shapesEqual(gx.shape, x.shape)) {
            throw new Error(`backward of ${node.op}: gradient for input ${k} has shape ${fmtShape(gx.shape)}, input has ${fmtShape(x.shape)}`);
          }
          const prev = grads.get(x);
          grads.set(x, prev ? addTensors(prev, gx) : gx);
        }
      }
    } finally {
      // Work a kernel left running (a weight gradient gemmPair deferred) ends before this pass's
      // buffers go back to the pool and before anything reads a gradient.
      be.sync?.();
    }
  }));
}
