// An op is one object holding its forward and its backward, keyed by input
// name. apply() runs the forward and, when recording, attaches a GradNode whose
// backward evaluates only the thunks of inputs that need a gradient.
import { Tensor } from '../tensor/tensor.js';
import { isGradEnabled, noGrad } from '../autograd/tape.js';
import { allocate, type DType } from '../tensor/dtype.js';

export type Inputs<I extends string> = { readonly [K in I]: Tensor };
export type GradThunks<I extends string> = { readonly [K in I]?: () => Tensor };

/** A forward result together with values it computed on the way that the backward reuses. */
export interface WithSaved<S> {
  readonly out: Tensor;
  readonly saved: S;
}

export interface OpDef<I extends string, A, S = undefined> {
  readonly name: string;
  readonly inputs: readonly I[];
  /** Compute the output from input values (called with recording off), optionally with saved values. */
  forward(x: Inputs<I>, attrs: A): Tensor | WithSaved<S>;
  /** Vector–Jacobian products: for each input, a thunk giving ḡ·∂out/∂input. */
  backward(g: Tensor, x: Inputs<I>, out: Tensor, attrs: A, saved: S): GradThunks<I>;
}

export interface Op<I extends string, A, S = undefined> extends OpDef<I, A, S> {
  apply(x: Inputs<I>, attrs: A): Tensor;
}

/** Every primitive op, by name: the gradcheck suite asserts each one is covered. */
export const opRegistry = new Map<string, Op<string, never, unknown>>();

export function defineOp<I extends string, A = undefined, S = undefined>(def: OpDef<I, A, S>): Op<I, A, S> {
  const op: Op<I, A, S> = {
    ...def,
    apply(x: Inputs<I>, attrs: A): Tensor {
      const list = def.inputs.map((k) => x[k]);
      const dtype = list[0]?.dtype;
      for (let i = 1; i < list.length; i++) {
        if (list[i]!.dtype !== dtype) {
          const parts = def.inputs.map((k) => `${k}: ${x[k].dtype}`).join(', ');
          // Mixing float32 and float64 is an error, never a silent promotion. (The message used to
          // name toDtype(), which does not exist; the conversion op is cast().)
          throw new Error(`${def.name}: dtype mismatch (${parts}); convert explicitly with cast(x, dtype)`);
        }
      }
      const res = noGrad(() => def.forward(x, attrs));
      const raw = res instanceof Tensor ? res : res.out;
      if (!isGradEnabled() || !list.some((t) => t.requiresGrad)) return raw;
      const saved = (res instanceof Tensor ? undefined : res.saved) as S;
      // A fresh Tensor object, so a forward that returns a view never tags its input.
      const out = new Tensor(raw.data, raw.shape, raw.strides, raw.offset, true);
      out.node = {
        op: def.name,
        inputs: list,
        backward: (g) => {
          const thunks = def.backward(g, x, out, attrs, saved);
          return def.inputs.map((k) => (x[k].requiresGrad && thunks[k] ? thunks[k]!() : null));
        },
      };
      return out;
    },
  };
  opRegistry.set(def.name, op as unknown as Op<string, never, unknown>);
  return op;
}

export type TensorLike = Tensor | number;

/** A 0-d tensor holding v, in the given dtype. */
export function scalar(v: number, dtype: DType = 'float32'): Tensor {
  const d = allocate(dtype, 1);
  d[0] = v;
  return new Tensor(d, []);
}

/** Lift numbers to 0-d tensors of the tensor operand's dtype. */
export function lift(a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (a instanceof Tensor && b instanceof Tensor) return [a, b];
  if (a instanceof Tensor) return [a, scalar(b as number, a.dtype)];
  if (b instanceof Tensor) return [scalar(a, b.dtype), b];
  return [scalar(a), scalar(b)];
}
