// Modules hold trainable parameters as typed fields. Parameters are found by
// walking fields (tensors with requiresGrad, sub-modules, arrays of modules),
// so there is no registration list to keep in sync.
import { Tensor } from '../tensor/tensor.js';
import { fmtShape, shapesEqual } from '../tensor/shape.js';

export abstract class Module {
  /** (name, parameter) pairs in field order, with dotted paths like "encoder.layers.0.weight". */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [key, value] of Object.entries(this)) {
      const name = prefix ? `${prefix}.${key}` : key;
      if (value instanceof Tensor) {
        if (value.requiresGrad) out.push([name, value]);
      } else if (value instanceof Module) {
        out.push(...value.namedParameters(name));
      } else if (Array.isArray(value)) {
        value.forEach((v, i) => {
          if (v instanceof Module) out.push(...v.namedParameters(`${name}.${i}`));
          else if (v instanceof Tensor && v.requiresGrad) out.push([`${name}.${i}`, v]);
        });
      }
    }
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Parameters by name (the tensors themselves, not copies). */
  stateDict(): Map<string, Tensor> {
    return new Map(this.namedParameters());
  }

  /** Copy values into the parameters, checking names and shapes. */
  loadStateDict(state: ReadonlyMap<string, Tensor>, strict = true): void {
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !state.has(k));
    const unexpected = [...state.keys()].filter((k) => !own.has(k));
    if (strict && (missing.length > 0 || unexpected.length > 0)) {
      throw new Error(`loadStateDict: missing [${missing.join(', ')}], unexpected [${unexpected.join(', ')}]`);
    }
    for (const [name, p] of own) {
      const src = state.get(name);
      if (!src) continue;
      if (!shapesEqual(src.shape, p.shape)) {
        throw new Error(`loadStateDict: ${name} has shape ${fmtShape(src.shape)} in the state but ${fmtShape(p.shape)} in the module`);
      }
      p.data.set(src.contiguousData());
    }
  }
}

/** Anything that maps a tensor to a tensor: a module or a plain activation function. */
export type Layer = Module & { forward(x: Tensor): Tensor };
export type LayerLike = Layer | ((x: Tensor) => Tensor);

export function applyLayer(layer: LayerLike, x: Tensor): Tensor {
  return typeof layer === 'function' ? layer(x) : layer.forward(x);
}
