// Every primitive in opRegistry, and the ops derived from them, against central
// finite differences in float64 (gradcheck: entrywise + random-direction VJP).
// One line per case; the last test fails if a registered primitive has no case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Tensor, Rng, gradcheck, opRegistry, type GradcheckOptions,
  abs, add, cast, cholesky, choleskySolve, clamp, concat, det, diagEmbed, diagonal, div, elu, eq, exp, expand, expm1, eye,
  flatten, ge, gt, indexSelect, inverse, le, leakyRelu, log, log1p, logdet, logSoftmax, logsumexp, lt, matmul, max, maximum,
  mean, min, minimum, mse, mul, neg, outer, padTo, permute, pow, powScalar, reciprocal, relu, reshape, sigmoid, sign, slice,
  slogdet, softmax, softplus, solve, sqrt, square, squeeze, stack, step, sub, sum, swish, tanh, tensor, trace, transpose,
  triangularSolve, unsqueeze, variance, where, bceWithLogits, bceWithLogitsRows, gaussianNll, broadcastTo, linear, normalKl,
  normalKlStandard, normalRsample,
} from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';

const rng = new Rng(20261125);

/** Standard normal float64 tensor. */
function r(...shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(Float64Array.from({ length: n }, () => rng.normal()), shape);
}
/** Uniform in [0.5, 2]: a safe domain for log, sqrt, pow bases and divisors. */
function pos(...shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(Float64Array.from({ length: n }, () => 0.5 + 1.5 * rng.uniform()), shape);
}
/** Normal draws pushed at least 0.2 away from 0 (the kink of abs, relu, sign, ...). */
function away(...shape: number[]): Tensor {
  const t = r(...shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = Math.sign(t.data[i]!) * (0.2 + Math.abs(t.data[i]!));
  return t;
}
/** Constant float64 tensor (closed over, not a gradcheck input). */
function k(values: number[], shape?: number[]): Tensor {
  return tensor(Float64Array.from(values), shape ?? [values.length]);
}
/** A Aᵀ + n I: symmetric positive definite, and differentiable in every entry of A. */
function spd(a: Tensor): Tensor {
  const n = a.shape[a.rank - 1]!;
  return add(matmul(a, transpose(a)), mul(eye(n, { dtype: 'float64' }), n));
}
/** A + 3I: well-conditioned for solves (triangularSolve reads only one triangle of it). */
function wellConditioned(a: Tensor): Tensor {
  return add(a, mul(eye(a.shape[a.rank - 1]!, { dtype: 'float64' }), 3));
}

type Fn = (...xs: Tensor[]) => Tensor;
interface Case {
  readonly name: string;
  readonly fn: Fn;
  readonly inputs: readonly Tensor[];
  readonly opts?: GradcheckOptions;
}
const cases: Case[] = [];
function c(name: string, fn: Fn, inputs: Tensor[], opts?: GradcheckOptions): void {
  cases.push({ name, fn, inputs, opts });
}

// Exactly representable in float32 (multiples of 2⁻⁴). The round trip is linear, so a large step (16) is exact
// entrywise and keeps float32 rounding of the random-direction step far below 1e-6 relative.
const f32Exact = k([0.5, -1.25, 3.0625, 2], [2, 2]);
const indexAddOp = opRegistry.get('indexAdd')!;
const indexAdd = (x: Tensor, axis: number, idx: number[], shape: number[]): Tensor =>
  indexAddOp.apply({ x }, { axis, idx: Int32Array.from(idx), shape } as never);
const mask34 = k([1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 1], [3, 4]);

// ── shape and view ops ──
c('reshape [2,6] → [3,4]', (x) => reshape(x, [3, 4]), [r(2, 6)]);
c('reshape with -1 of a transposed (non-contiguous) view', (x) => reshape(transpose(x), [-1, 2]), [r(2, 6)]);
c('flatten from axis 1', (x) => flatten(x, 1), [r(2, 3, 2)]);
c('unsqueeze at -1 then squeeze axis 0', (x) => squeeze(unsqueeze(x, -1), 0), [r(1, 3)]);
c('permute [2,0,1]', (x) => permute(x, [2, 0, 1]), [r(2, 3, 4)]);
c('permute with negative axes [-1,0,1]', (x) => permute(x, [-1, 0, 1]), [r(2, 3, 4)]);
c('transpose default (last two axes)', (x) => transpose(x), [r(2, 3, 4)]);
c('transpose axes 0 and 2', (x) => transpose(x, 0, 2), [r(2, 3, 4)]);
c('expand [3,1] → [2,3,4]', (x) => expand(x, [2, 3, 4]), [r(3, 1)]);
c('broadcastTo scalar → [2,3]', (x) => broadcastTo(x, [2, 3]), [r()]);
c('slice with null, negative and partial ranges', (x) => slice(x, [[1, 3], null, [-3, -1]]), [r(3, 2, 4)]);
c('slice of a transposed view', (x) => slice(transpose(x), [[1, 3], [0, 2]]), [r(3, 4)]);
c('padTo [2,3] into [4,5] at [1,2]', (x) => padTo(x, [4, 5], [1, 2]), [r(2, 3)]);
c('indexSelect rows with repeats (gradients accumulate)', (x) => indexSelect(x, 0, [2, 0, 2, 3]), [r(4, 3)]);
c('indexSelect along axis -1', (x) => indexSelect(x, -1, [1, 1, 0]), [r(2, 3, 2)]);
c('indexAdd (scatter-add) with repeated targets', (x) => indexAdd(x, 1, [0, 2, 0], [2, 4, 3]), [r(2, 3, 3)]);
c('diagonal of a batch of square matrices', (x) => diagonal(x), [r(2, 3, 3)]);
c('diagonal of a transposed view', (x) => diagonal(transpose(x)), [r(3, 3)]);
c('diagEmbed of a batch of vectors', (x) => diagEmbed(x), [r(2, 3)]);
c('concat along axis 0 of unequal lengths', (a, b) => concat([a, b], 0), [r(2, 3), r(1, 3)]);
c('concat along axis -1 of three tensors', (a, b, d) => concat([a, b, d], -1), [r(2, 1), r(2, 3), r(2, 2)]);
c('stack along axis 1', (a, b) => stack([a, b], 1), [r(2, 3), r(2, 3)]);
c('stack along axis -1', (a, b) => stack([a, b], -1), [r(3), r(3)]);

// ── reductions: every axis option, keepdims, negative axes ──
c('sum over all axes', (x) => sum(x), [r(2, 3, 4)]);
c('sum axis 0', (x) => sum(x, 0), [r(2, 3, 4)]);
c('sum axis 1 keepdims', (x) => sum(x, 1, true), [r(2, 3, 4)]);
c('sum axis -1', (x) => sum(x, -1), [r(2, 3, 4)]);
c('sum axes [0,2] keepdims', (x) => sum(x, [0, 2], true), [r(2, 3, 4)]);
c('sum axes [-1,-3]', (x) => sum(x, [-1, -3]), [r(2, 3, 4)]);
c('sum of a transposed view', (x) => sum(transpose(x), 0), [r(3, 4)]);
c('sum of a 0-d tensor', (x) => sum(x), [r()]);
c('max over all axes', (x) => max(x), [r(2, 3, 4)]);
c('max axis 1', (x) => max(x, 1), [r(2, 3, 4)]);
c('max axis -1 keepdims', (x) => max(x, -1, true), [r(2, 3, 4)]);
c('max axes [0,2]', (x) => max(x, [0, 2]), [r(2, 3, 4)]);
c('min over all axes', (x) => min(x), [r(2, 3, 4)]);
c('min axis 0 keepdims', (x) => min(x, 0, true), [r(2, 3, 4)]);
c('min axes [-2,-1]', (x) => min(x, [-2, -1]), [r(2, 3, 4)]);
c('mean over all axes', (x) => mean(x), [r(2, 3, 4)]);
c('mean axis 1 keepdims', (x) => mean(x, 1, true), [r(2, 3, 4)]);
c('mean axes [0,-1]', (x) => mean(x, [0, -1]), [r(2, 3, 4)]);
c('variance (unbiased) over all axes', (x) => variance(x), [r(3, 4)]);
c('variance axis 0, correction 0, keepdims', (x) => variance(x, 0, true, 0), [r(3, 4)]);
c('variance axis -1', (x) => variance(x, -1), [r(2, 3, 4)]);
c('logsumexp over all axes', (x) => logsumexp(x), [r(2, 3, 4)]);
c('logsumexp axis 1 keepdims', (x) => logsumexp(x, 1, true), [r(2, 3, 4)]);
c('logsumexp axes [0,-1]', (x) => logsumexp(x, [0, -1]), [r(2, 3, 4)]);
c('logsumexp of spread-out inputs (×5)', (x) => logsumexp(mul(x, 5), -1), [r(2, 4)]);
c('softmax axis -1', (x) => softmax(x), [r(2, 5)]);
c('softmax axis 0', (x) => softmax(x, 0), [r(3, 4)]);
c('logSoftmax axis -1', (x) => logSoftmax(x), [r(2, 5)]);
c('logSoftmax axis 1 of rank 3', (x) => logSoftmax(x, 1), [r(2, 3, 2)]);

// ── elementwise unary (inputs kept inside the domain and away from kinks) ──
c('neg', (x) => neg(x), [r(2, 3)]);
c('exp', (x) => exp(x), [r(2, 3)]);
c('log on (0.5, 2)', (x) => log(x), [pos(2, 3)]);
c('log1p on (0.5, 2)', (x) => log1p(x), [pos(2, 3)]);
c('expm1', (x) => expm1(x), [r(2, 3)]);
c('sqrt on (0.5, 2)', (x) => sqrt(x), [pos(2, 3)]);
c('abs away from 0', (x) => abs(x), [away(2, 3)]);
c('square', (x) => square(x), [r(2, 3)]);
c('reciprocal away from 0', (x) => reciprocal(x), [away(2, 3)]);
c('sigmoid', (x) => sigmoid(x), [mul(r(2, 3), 3)]);
c('tanh', (x) => tanh(x), [r(2, 3)]);
c('relu away from 0', (x) => relu(x), [away(2, 3)]);
c('softplus', (x) => softplus(x), [mul(r(2, 3), 3)]);
c('sign has zero gradient away from 0', (x) => sign(x), [away(2, 3)]);
c('step has zero gradient away from 0', (x) => step(x), [away(2, 3)]);
c('powScalar 2.5 on (0.5, 2)', (x) => powScalar(x, 2.5), [pos(2, 3)]);
c('powScalar 3 of signed inputs', (x) => powScalar(x, 3), [r(2, 3)]);
c('powScalar -1.5 on (0.5, 2)', (x) => powScalar(x, -1.5), [pos(2, 3)]);
c('clamp [-0.5, 0.5] with points inside and outside', (x) => clamp(x, -0.5, 0.5), [k([-1.3, -0.2, 0.1, 0.7, 2, -0.45])]);
c('clamp lower bound only', (x) => clamp(x, 0.3), [k([-1.3, 0.2, 0.5, 0.7])]);
c('leakyRelu slope 0.1 away from 0', (x) => leakyRelu(x, 0.1), [away(2, 3)]);
c('elu alpha 1.5 away from 0', (x) => elu(x, 1.5), [away(2, 3)]);
c('swish (derived)', (x) => swish(x), [mul(r(2, 3), 2)]);

// ── elementwise binary with broadcasting ──
c('add [3,1] + [1,4]', (a, b) => add(a, b), [r(3, 1), r(1, 4)]);
c('add [2,3,4] + [4]', (a, b) => add(a, b), [r(2, 3, 4), r(4)]);
c('add 0-d scalar + [2,3]', (a, b) => add(a, b), [r(), r(2, 3)]);
c('add a JS number (lifted)', (a) => add(a, 2.5), [r(2, 3)]);
c('sub [2,1,4] − [3,1]', (a, b) => sub(a, b), [r(2, 1, 4), r(3, 1)]);
c('sub from a JS number', (a) => sub(1, a), [r(3)]);
c('mul [2,3,4] * [4]', (a, b) => mul(a, b), [r(2, 3, 4), r(4)]);
c('mul [3,1] * [1,4]', (a, b) => mul(a, b), [r(3, 1), r(1, 4)]);
c('mul same tensor twice (x·x)', (a) => mul(a, a), [r(2, 3)]);
c('div [2,3] / [3] away from 0', (a, b) => div(a, b), [r(2, 3), away(3)]);
c('div scalar / [2,2]', (a, b) => div(a, b), [r(), away(2, 2)]);
c('pow base (0.5, 2) and broadcast exponent', (a, b) => pow(a, b), [pos(2, 3), r(3)]);
c('maximum with broadcasting', (a, b) => maximum(a, b), [r(2, 3), r(3)]);
c('minimum with broadcasting', (a, b) => minimum(a, b), [r(3, 1), r(1, 4)]);
c('gt has zero gradient', (a, b) => gt(a, b), [r(2, 3), r(3)]);
c('ge has zero gradient', (a, b) => ge(a, b), [r(2, 3), r(3)]);
c('lt has zero gradient', (a, b) => lt(a, b), [r(2, 3), r(3)]);
c('le has zero gradient', (a, b) => le(a, b), [r(2, 3), r(3)]);
c('eq has zero gradient', (a, b) => eq(a, b), [r(2, 3), r(3)]);
c('where with a constant mask and broadcast branches', (a, b) => where(mask34, a, b), [r(3, 1), r(4)]);
c('where with a scalar branch', (a) => where(mask34, a, 0), [r(3, 4)]);
c('cast float64 → float32 → float64 on exactly representable values', (x) => cast(cast(x, 'float32'), 'float64'), [f32Exact], { eps: 16 });

// ── linear (x·Wᵀ + b) ──
c('linear [3,4]·[5,4]ᵀ + b[5]', (x, w, b) => linear(x, w, b), [r(3, 4), r(5, 4), r(5)]);
c('linear on a batch of matrices [2,3,4]', (x, w, b) => linear(x, w, b), [r(2, 3, 4), r(5, 4), r(5)]);
c('linear without bias', (x, w) => linear(x, w), [r(3, 4), r(2, 4)]);
c('linear of a transposed (non-contiguous) input', (x, w, b) => linear(transpose(x), w, b), [r(4, 3), r(5, 4), r(5)]);
c('linear fused with relu, relu(x·Wᵀ + b), on a batch of matrices', (x, w, b) => linear(x, w, b, 'relu'), [r(2, 3, 4), r(5, 4), r(5)]);
c('linear fused with sigmoid, σ(x·Wᵀ + b)', (x, w, b) => linear(x, w, b, 'sigmoid'), [r(3, 4), r(5, 4), r(5)]);
c('linear without bias, then sigmoid', (x, w) => linear(x, w, null, 'sigmoid'), [r(3, 4), r(2, 4)]);
// A constant input needs no ∂/∂x: the weight's gradient alone, not the input-and-weight pair (Backend.gemmPair).
const linearInput = r(3, 4);
c('linear of a constant input (weight and bias gradients only)', (w, b) => linear(linearInput, w, b), [r(5, 4), r(5)]);
c('linear of a constant weight (input gradient only)', (x) => linear(x, linearInput, null), [r(2, 4)]);

// ── matmul ──
c('matmul [3,4] @ [4,5]', (a, b) => matmul(a, b), [r(3, 4), r(4, 5)]);
c('matmul batched [2,3,4] @ [2,4,2]', (a, b) => matmul(a, b), [r(2, 3, 4), r(2, 4, 2)]);
c('matmul with broadcast batch axes [2,1,3,4] @ [3,4,2]', (a, b) => matmul(a, b), [r(2, 1, 3, 4), r(3, 4, 2)]);
c('matmul of a batch by one matrix [2,3,4] @ [4,2]', (a, b) => matmul(a, b), [r(2, 3, 4), r(4, 2)]);
c('matmul of transposed views Aᵀ @ Bᵀ', (a, b) => matmul(transpose(a), transpose(b)), [r(4, 3), r(2, 4)]);
c('matmul of batched transposed views', (a, b) => matmul(transpose(a), b), [r(2, 4, 3), r(2, 4, 2)]);
c('matmul of a permuted batch (transposed layout with batch stride)', (a, b) => matmul(permute(a, [1, 2, 0]), b), [r(3, 2, 4), r(2, 3, 2)]);
c('matmul of an expanded (stride-0) operand', (a, b) => matmul(expand(a, [2, 3, 4]), b), [r(1, 3, 4), r(2, 4, 2)]);
c('matmul of sliced (offset, strided) views', (a, b) => matmul(slice(a, [[1, 4], [1, 5]]), slice(b, [null, [2, 5]])), [r(5, 6), r(4, 6)]);
c('matmul vector @ matrix', (a, b) => matmul(a, b), [r(4), r(4, 3)]);
c('matmul matrix @ vector', (a, b) => matmul(a, b), [r(3, 4), r(4)]);
c('matmul vector @ vector (dot)', (a, b) => matmul(a, b), [r(4), r(4)]);
c('matmul batched @ vector', (a, b) => matmul(a, b), [r(2, 3, 4), r(4)]);

// ── linear algebra (inputs made SPD or well-conditioned inside fn) ──
c('cholesky of A Aᵀ + nI', (a) => cholesky(spd(a)), [r(3, 3)]);
c('cholesky of a batch of SPD matrices', (a) => cholesky(spd(a)), [r(2, 3, 3)]);
c('triangularSolve lower', (a, b) => triangularSolve(wellConditioned(a), b), [r(3, 3), r(3, 2)]);
c('triangularSolve upper', (a, b) => triangularSolve(wellConditioned(a), b, { upper: true }), [r(3, 3), r(3, 2)]);
c('triangularSolve lower transposed', (a, b) => triangularSolve(wellConditioned(a), b, { transpose: true }), [r(3, 3), r(3, 2)]);
c('triangularSolve upper transposed', (a, b) => triangularSolve(wellConditioned(a), b, { upper: true, transpose: true }), [r(3, 3), r(3, 2)]);
c('triangularSolve lower unit diagonal', (a, b) => triangularSolve(a, b, { unitDiagonal: true }), [mul(r(3, 3), 0.5), r(3, 2)]);
c('triangularSolve upper transposed unit diagonal', (a, b) => triangularSolve(a, b, { upper: true, transpose: true, unitDiagonal: true }), [mul(r(3, 3), 0.5), r(3, 2)]);
c('triangularSolve batched with broadcast right-hand sides', (a, b) => triangularSolve(wellConditioned(a), b), [r(2, 3, 3), r(3, 2)]);
c('solve A X = B', (a, b) => solve(wellConditioned(a), b), [r(3, 3), r(3, 2)]);
c('solve batched with broadcast batch axes', (a, b) => solve(wellConditioned(a), b), [r(2, 1, 3, 3), r(3, 3, 1)]);
c('solve with a transposed matrix view', (a, b) => solve(transpose(wellConditioned(a)), b), [r(3, 3), r(3, 2)]);
c('inverse', (a) => inverse(wellConditioned(a)), [r(3, 3)]);
c('inverse batched', (a) => inverse(wellConditioned(a)), [r(2, 3, 3)]);
c('slogdet logAbsDet of a general matrix', (a) => slogdet(a).logAbsDet, [r(3, 3)]);
c('slogdet logAbsDet batched', (a) => slogdet(a).logAbsDet, [r(2, 3, 3)]);
c('det (derived) of a general matrix', (a) => det(a), [r(3, 3)]);
c('det (derived) batched', (a) => det(a), [r(2, 2, 2)]);
c('logdet (derived) of an SPD matrix', (a) => logdet(spd(a)), [r(3, 3)]);
c('logdet (derived) batched', (a) => logdet(spd(a)), [r(2, 3, 3)]);
c('choleskySolve (derived)', (a, b) => choleskySolve(cholesky(spd(a)), b), [r(3, 3), r(3, 2)]);
c('choleskySolve batched', (a, b) => choleskySolve(cholesky(spd(a)), b), [r(2, 3, 3), r(2, 3, 1)]);
c('trace (derived)', (a) => trace(a), [r(3, 3)]);
c('trace batched', (a) => trace(a), [r(2, 3, 3)]);
c('outer (derived)', (u, v) => outer(u, v), [r(3), r(4)]);

// ── losses (derived) ──
c('mse mean', (a, b) => mse(a, b), [r(2, 3), r(2, 3)]);
c('mse sum', (a, b) => mse(a, b, 'sum'), [r(2, 3), r(2, 3)]);
c('mse none', (a, b) => mse(a, b, 'none'), [r(2, 3), r(2, 3)]);
c('bceWithLogits mean, in logits and targets', (x, y) => bceWithLogits(x, y), [mul(r(2, 3), 3), pos(2, 3)]);
c('bceWithLogits sum of logits scaled ×4', (x, y) => bceWithLogits(mul(x, 4), y, 'sum'), [away(2, 3), k([0, 1, 0.5, 1, 0, 0.25], [2, 3])]);
c('bceWithLogitsRows (summed over the last axis) in logits and targets', (x, y) => bceWithLogitsRows(mul(x, 3), y), [r(3, 4), pos(3, 4)]);
c('bceWithLogitsRows of rank 3, rows weighted', (x, y) => mul(bceWithLogitsRows(x, y), k([1, -2, 0.5, 3], [2, 2])), [r(2, 2, 5), pos(2, 2, 5)]);
c('gaussianNll in x, mu and logVar', (x, m, lv) => gaussianNll(x, m, lv), [r(2, 3), r(2, 3), r(2, 3)]);
c('gaussianNll none', (x, m, lv) => gaussianNll(x, m, lv, 'none'), [r(4), r(4), r(4)]);
c('normalKl in all four inputs, same shapes', (mp, sp, mq, sq) => normalKl(mp, sp, mq, sq), [r(3, 4), r(3, 4), r(3, 4), r(3, 4)]);
c('normalKl against a broadcast prior [4] (the VAE case)', (mp, sp, mq, sq) => normalKl(mp, sp, mq, sq), [r(3, 4), r(3, 4), r(4), r(4)]);
c('normalKl with every input broadcast differently', (mp, sp, mq, sq) => normalKl(mp, sp, mq, sq), [r(2, 1, 3), r(3), r(4, 1), r(1)]);
// log σ² entries ±0.5 inside or outside the bounds [−1, 1], never at a bound (the clamp's kink).
const logVarAcross = k([-2.5, -0.5, 0.5, 1.5, 0.25, -1.75], [2, 3]);
const eps3 = r(3, 2, 3);
c('normalRsample, one draw, unbounded', (m, lv) => normalRsample(m, lv, k([0.3, -1.2, 2, 0.7, -0.4, 1.1], [1, 2, 3])), [r(2, 3), r(2, 3)]);
c('normalRsample, three draws, log σ² clamped to [-1, 1] in some entries', (m, lv) => normalRsample(m, add(lv, logVarAcross), eps3, [-1, 1]), [r(2, 3), mul(r(2, 3), 0.1)]);
c('normalKlStandard, unbounded', (m, lv) => normalKlStandard(m, lv), [r(2, 3), r(2, 3)]);
c('normalKlStandard, log σ² clamped to [-1, 1] in some entries', (m, lv) => normalKlStandard(m, add(lv, logVarAcross), [-1, 1]), [r(2, 3), mul(r(2, 3), 0.1)]);

forEachBackend(() => {
  for (const { name, fn, inputs, opts } of cases) {
    test(`${name}: gradient matches finite differences (max rel error < 1e-6)`, () => {
      const res = gradcheck(fn, inputs, { seed: 7, ...opts });
      assert.ok(res.ok, res.failures.slice(0, 5).join('\n'));
      assert.ok(res.maxRelError < 1e-6, `maxRelError ${res.maxRelError}`);
    });
  }
});

/** Names of the primitives recorded in the graph that produced `out`. */
function opsIn(out: Tensor): Set<string> {
  const seen = new Set<string>();
  const visited = new Set<Tensor>();
  const stack = [out];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (visited.has(t) || !t.node) continue;
    visited.add(t);
    seen.add(t.node.op);
    stack.push(...t.node.inputs);
  }
  return seen;
}

test('every primitive in opRegistry is exercised by a gradcheck case', () => {
  const covered = new Set<string>();
  for (const { fn, inputs } of cases) {
    const leaves = inputs.map((x) => new Tensor(x.contiguousData().slice(), x.shape, undefined, 0, true));
    for (const op of opsIn(fn(...leaves))) covered.add(op);
  }
  const missing = [...opRegistry.keys()].filter((name) => !covered.has(name));
  assert.deepEqual(missing, [], `primitives without a gradcheck case: ${missing.join(', ')}`);
  assert.ok(opRegistry.size >= 40, `opRegistry has only ${opRegistry.size} entries`);
});
