// Error messages are part of the API: each names the op and the offending
// shapes or values. These tests pin the exact text.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Tensor, add, assertFinite, cholesky, expand, gradcheck, matmul, mse, ones, permute, reshape, slice, solve, sum, tensor,
  triangularSolve, zeros, mul, squeeze, indexSelect, concat, clamp, linear,
} from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';

const f64 = { dtype: 'float64' } as const;

forEachBackend(() => {
  describe('shape errors name the op and the shapes', () => {
    test('matmul with differing inner dimensions', () => {
      assert.throws(() => matmul(zeros([128, 784]), zeros([400, 20])), { message: 'matmul: inner dimensions differ ([128,784] @ [400,20])' });
      assert.throws(() => matmul(zeros([3]), zeros([4])), { message: 'matmul: inner dimensions differ ([3] @ [4])' });
      assert.throws(() => matmul(zeros([]), zeros([4])), { message: 'matmul: operands must have rank >= 1 ([] @ [4])' });
    });

    test('matmul with batch axes that cannot broadcast', () => {
      assert.throws(() => matmul(zeros([2, 3, 4]), zeros([3, 4, 5])), { message: 'matmul: shapes [2] and [3] cannot be broadcast (axis 0: 2 vs 3)' });
    });

    test('elementwise broadcast failure', () => {
      assert.throws(() => add(zeros([3]), zeros([4])), { message: 'add: shapes [3] and [4] cannot be broadcast (axis 0: 3 vs 4)' });
      assert.throws(() => mul(zeros([2, 3]), zeros([4, 2, 2])), { message: 'mul: shapes [2,3] and [4,2,2] cannot be broadcast (axis 2: 3 vs 2)' });
      assert.throws(() => expand(zeros([2, 3]), [3, 3]), { message: 'expand: cannot broadcast [2,3] to [3,3]' });
    });

    test('impossible reshape', () => {
      assert.throws(() => reshape(zeros([2, 3]), [4, 2]), { message: 'reshape: cannot reshape [2,3] (6 elements) to [4,2]' });
      assert.throws(() => reshape(zeros([2, 3]), [4, -1]), { message: 'reshape: cannot reshape [2,3] to [4,-1]' });
      assert.throws(() => squeeze(zeros([2, 3]), 1), { message: 'squeeze: axis 1 has size 3, not 1 (shape [2,3])' });
    });

    test('slice out of bounds', () => {
      assert.throws(() => slice(zeros([2, 3]), [null, [0, 5]]), { message: 'slice: range [0, 5) is out of bounds for axis 1 of [2,3]' });
      assert.throws(() => slice(zeros([2, 3]), [[2, 1]]), { message: 'slice: range [2, 1) is out of bounds for axis 0 of [2,3]' });
      assert.throws(() => slice(zeros([2]), [null, null]), { message: 'slice: 2 ranges for a tensor of rank 1' });
    });

    test('axes out of range and bad permutations', () => {
      assert.throws(() => sum(zeros([2, 3]), 2), { message: 'sum: axis 2 is out of range for a tensor of rank 2' });
      assert.throws(() => sum(zeros([2, 3]), -3), { message: 'sum: axis -3 is out of range for a tensor of rank 2' });
      assert.throws(() => permute(zeros([2, 3]), [0, 0]), { message: 'permute: [0,0] is not a permutation of the 2 axes of [2,3]' });
      assert.throws(() => indexSelect(zeros([2, 3]), 1, [3]), { message: 'indexSelect: index 3 at position 0 is out of range for axis 1 of size 3' });
      assert.throws(() => concat([zeros([2, 3]), zeros([2, 4])], 0), { message: 'concat: tensor 1 has shape [2,4], incompatible with [2,3] along axis 0' });
    });

    test('loss inputs of different shapes', () => {
      assert.throws(() => mse(zeros([2, 3]), zeros([3, 2])), { message: 'mse: input [2,3] and target [3,2] differ in shape' });
    });

    test('clamp with crossed bounds', () => {
      assert.throws(() => clamp(zeros([2]), 1, 0), { message: 'clamp: lower bound 1 exceeds upper bound 0' });
    });
  });

  test('linear names the activations it fuses when given another', () => {
    assert.throws(() => linear(zeros([2, 3]), zeros([4, 3]), zeros([4]), 'tanh' as 'relu'), {
      message: "linear: activation must be 'relu' or 'sigmoid' when given (got 'tanh'); apply others after the layer",
    });
  });

  describe('linear algebra errors', () => {
    test('cholesky of a non positive-definite matrix reports the failing pivot', () => {
      assert.throws(() => cholesky(tensor([[1, 2], [2, 1]], f64)), { message: 'cholesky: matrix is not positive definite (pivot 2 of 2 is -3.00)' });
      assert.throws(() => cholesky(tensor([[-4, 0], [0, 1]], f64)), { message: 'cholesky: matrix is not positive definite (pivot 1 of 2 is -4.00)' });
      assert.throws(() => cholesky(tensor([[1, 0], [0, -2.1e-4]], f64)), { message: 'cholesky: matrix is not positive definite (pivot 2 of 2 is -2.1e-4)' });
      const batch = tensor([[[1, 0], [0, 1]], [[1, 0], [0, -0.5]]], f64);
      assert.throws(() => cholesky(batch), { message: 'cholesky: matrix is not positive definite in batch entry 1 (pivot 2 of 2 is -0.500)' });
      assert.throws(() => cholesky(zeros([2, 3])), { message: 'cholesky: expected square matrices in the last two axes, got [2,3]' });
    });

    test('solve with a singular or mismatched matrix', () => {
      assert.throws(() => solve(tensor([[1, 2], [2, 4]], f64), ones([2, 1], f64)), { message: 'solve: matrix is singular' });
      assert.throws(() => solve(ones([2, 2], f64), ones([3, 1], f64)), { message: 'solve: right-hand side [3,1] does not match matrix [2,2]' });
      assert.throws(() => triangularSolve(ones([3, 3], f64), ones([2, 1], f64)), { message: 'triangularSolve: right-hand side [2,1] does not match matrix [3,3]' });
    });
  });

  describe('dtype and autodiff misuse', () => {
    test('mixing float32 and float64 is an error that names the op, the inputs and the fix', () => {
      assert.throws(() => add(zeros([2]), zeros([2], f64)), { message: 'add: dtype mismatch (a: float32, b: float64); convert explicitly with cast(x, dtype)' });
      assert.throws(() => matmul(zeros([2, 2], f64), zeros([2, 2])), { message: 'matmul: dtype mismatch (a: float64, b: float32); convert explicitly with cast(x, dtype)' });
    });

    test('backward on a non-scalar without a gradient', () => {
      const x = ones([2, 3], { requiresGrad: true });
      assert.throws(() => mul(x, 2).backward(), { message: 'backward: called on a tensor of shape [2,3]; pass a gradient or reduce to a scalar first' });
      assert.throws(() => mul(x, 2).backward(ones([3, 2])), { message: 'backward: gradient shape [3,2] does not match tensor shape [2,3]' });
    });

    test('backward on a tensor that does not require grad', () => {
      assert.throws(() => sum(ones([2])).backward(), { message: 'backward: Tensor([], float32) does not require grad (no input with requiresGrad reached it)' });
    });

    test('item on a tensor with more than one element', () => {
      assert.throws(() => ones([2, 2]).item(), { message: 'item: tensor has 4 elements (shape [2,2]), expected 1' });
    });

    test('gradcheck refuses float32 inputs', () => {
      assert.throws(() => gradcheck((x) => x, [ones([2])]), { message: 'gradcheck: input 0 is float32; gradient checks need float64' });
    });

    test('tensor data that does not fill its shape', () => {
      assert.throws(() => tensor(new Float32Array(5), [2, 3]), { message: 'tensor: 5 values do not fill shape [2,3]' });
      assert.throws(() => new Tensor(new Float32Array(5), [2, 3]), { message: 'Tensor: data has 5 elements but shape [2,3] needs 6' });
    });
  });

  describe('assertFinite', () => {
    test('names the quantity, the value, its index and the shape', () => {
      assert.throws(() => assertFinite(tensor([1, NaN, 3]), 'loss'), { message: 'loss: non-finite value NaN at flat index 1 of tensor [3]' });
      assert.throws(() => assertFinite(tensor([[0, 0], [Infinity, 0]]), 'decoder logits'), { message: 'decoder logits: non-finite value Infinity at flat index 2 of tensor [2,2]' });
      assert.throws(() => assertFinite(tensor([-Infinity]), 'x'), { message: 'x: non-finite value -Infinity at flat index 0 of tensor [1]' });
    });

    test('passes finite tensors, including non-contiguous views', () => {
      assert.doesNotThrow(() => assertFinite(tensor([[1, 2], [3, 4]]), 'x'));
      const base = tensor([1, NaN, 3, 4]);
      assert.doesNotThrow(() => assertFinite(slice(base, [[2, 4]]), 'tail'));
      assert.throws(() => assertFinite(slice(base, [[1, 2]]), 'middle'), { message: 'middle: non-finite value NaN at flat index 0 of tensor [1]' });
    });
  });
});
