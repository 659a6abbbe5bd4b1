#!/usr/bin/env python3
"""Mutation testing of nerve's headers: does the test suite bite?

Each mutant below is one realistic bug (a wrong derivative rule, a skipped tile, a dropped bias
correction, a wrong initialiser scale, ...) planted in one header of include/nerve. For each, this
script copies include/ (never touching the real tree), applies the mutant to the copy, compiles
only the tests said to be affected by it against that copy, runs them, and records:

  killed (compile)   a test no longer compiles (a static_assert or STATIC_REQUIRE caught it)
  killed (test)      a test failed
  killed (crash)     a test binary died of a signal
  killed (timeout)   a test binary ran past its time limit (a bug that makes a loop run forever)
  SURVIVED           every affected test passed: the suite does not see this bug
  void               an affected test fails without the mutant too, so the mutant proves nothing

It prints a table and the kill ratio, killed / (killed + survived), and exits 1 if a mutant
survived, 2 if none survived but some were void, 3 if the list itself is stale (a snippet no longer
found exactly once, a test file gone), 0 otherwise.

On demand, not in CI (a full run compiles about 110 test files: 80 minutes on the shared
2-core machine when it is busy, about 25 on a quiet one):

  nice -n 10 python3 scripts/mutants.py --jobs 1          # all mutants
  python3 scripts/mutants.py --only loss-ce-batch-mean    # one or a few
  python3 scripts/mutants.py --check                      # only check that every snippet is found
  python3 scripts/mutants.py --list                       # the mutants, one line each
  python3 scripts/mutants.py --exclude-tests tests/unit/init_scales.cpp   # the suite without a test

The sources are a snapshot taken at the start: the working tree's include/, tests/ and examples/
(or a commit's, with --rev HEAD, when the working tree is being edited by someone else). Compiled
unmutated tests are cached under the work directory, keyed by the content of everything they could
include, so a second run recompiles only what changed. Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclasses.dataclass(frozen=True)
class Mutant:
    id: str
    file: str          # under include/nerve/
    original: str      # must occur exactly once in the file
    replacement: str
    description: str   # the realistic bug, one line
    tests: tuple       # test sources (tests/unit|gradcheck|static/*.cpp) that should catch it,
                       # the one meant to first: a run stops at the first that kills (--all-tests)


def m(id, file, original, replacement, description, *tests):
    return Mutant(id, file, original, replacement, description, tuple(tests))


# ------------------------------------------------------------------------------------------------
# The mutants. Keep each snippet short and unique in its file; the script fails loudly when one
# is not found exactly once (the header changed: update the snippet, do not drop the mutant).
MUTANTS = [
    # ---- autodiff ------------------------------------------------------------------------------
    m("autodiff-binary-chain", "autodiff/derivative.hpp",
      "Op::partial_b(e.a, e.b) * partial(e.b, sym)",
      "Op::partial_b(e.a, e.b) * partial(e.a, sym)",
      "chain rule of a binary op: the second operand's term uses the first operand's derivative",
      "tests/gradcheck/op_derivatives.cpp", "tests/unit/expr_symbols.cpp"),
    m("autodiff-vjp-first-output", "autodiff/vjp.hpp",
      "(OutputGrad<K>{} * partial(Fs.template get<K>(), Sym{}))",
      "(OutputGrad<0>{} * partial(Fs.template get<K>(), Sym{}))",
      "vjp of a multi-output function weights every output by the first output's gradient",
      "tests/gradcheck/pointwise_cells.cpp", "tests/gradcheck/expr_partials.cpp"),
    # ---- eval ----------------------------------------------------------------------------------
    m("eval-lanes-last-register", "eval/lanes.hpp",
      "for (; i + W <= N; i += W) f(i, std::type_identity<B>{});",
      "for (; i + W < N; i += W) f(i, std::type_identity<B>{});",
      "for_each_lane: off by one, the last full register is skipped when N is a multiple of W",
      "tests/unit/expr_symbols.cpp", "tests/unit/expressions.cpp"),
    m("eval-select-scalar-tie", "eval/evaluate.hpp",
      "return evaluate<V>(e.c, ctx) > V(0) ? evaluate<V>(e.a, ctx) : evaluate<V>(e.b, ctx);",
      "return evaluate<V>(e.c, ctx) >= V(0) ? evaluate<V>(e.a, ctx) : evaluate<V>(e.b, ctx);",
      "select on the scalar tail takes the first branch at a condition of exactly 0 (SIMD does not)",
      "tests/gradcheck/expr_partials.cpp", "tests/unit/expr_symbols.cpp"),
    m("eval-pointwise-output-grad", "eval/pointwise.hpp",
      "c.output_grads[k] = load_lanes<V>(dy[k] + i);",
      "c.output_grads[k] = load_lanes<V>(dy[0] + i);",
      "pointwise backward reads every output's gradient from the first output (LSTM's dc and dh)",
      "tests/gradcheck/pointwise_cells.cpp", "tests/unit/recurrent.cpp"),
    # ---- expr ----------------------------------------------------------------------------------
    m("expr-tanh-rule", "expr/ops/elementwise.hpp",
      "return One{} - square(tanh(a)); }",
      "return One{} - tanh(a); }",
      "tanh's derivative rule as 1 - tanh(a), the square forgotten",
      "tests/unit/training_reference.cpp", "tests/gradcheck/op_derivatives.cpp",
      "tests/unit/training.cpp"),
    m("expr-sigmoid-rule", "expr/ops/elementwise.hpp",
      "return sigmoid(a) * (One{} - sigmoid(a));",
      "return One{} - sigmoid(a);",
      "sigmoid's derivative rule as 1 - sigmoid(a), the factor sigmoid(a) forgotten",
      "tests/unit/training_reference.cpp", "tests/gradcheck/op_derivatives.cpp",
      "tests/unit/training.cpp"),
    m("expr-simplify-const-product", "expr/simplify.hpp",
      "Const{A.value * B.a.value}",
      "Const{A.value + B.a.value}",
      "constant folding of c1 * (c2 * e) adds the constants",
      "tests/static/expr_simplify.cpp"),
    m("expr-step-at-zero", "expr/ops/math.hpp",
      "if constexpr (is_scalar<V>) return a > V(0) ? V(1) : V(0);",
      "if constexpr (is_scalar<V>) return a >= V(0) ? V(1) : V(0);",
      "step(0) = 1 on scalars (relu'(0) = 1 on the scalar tail, 0 in SIMD lanes and in PyTorch)",
      "tests/gradcheck/expr_partials.cpp", "tests/gradcheck/op_derivatives.cpp"),
    m("expr-sigmoid-unstable-simd", "expr/ops/math.hpp",
      "const V e = xsimd::exp(-xsimd::abs(a));  // in (0, 1]: never overflows\n"
      "    const V r = V(1) / (V(1) + e);\n"
      "    return xsimd::select(a >= V(0), r, e * r);",
      "const V e = xsimd::exp(a);\n"
      "    return e / (V(1) + e);",
      "SIMD sigmoid as e^a / (1 + e^a): NaN for large a (inf / inf)",
      "tests/unit/numerics.cpp"),
    # ---- init ----------------------------------------------------------------------------------
    m("init-glorot-constant", "init/initializer.hpp",
      "std::sqrt(6.0 / static_cast<double>(fan_in + fan_out))",
      "std::sqrt(2.0 / static_cast<double>(fan_in + fan_out))",
      "Glorot uniform with the normal's constant 2 instead of 6 (bound too small by sqrt 3)",
      "tests/unit/init_scales.cpp", "tests/unit/training.cpp"),
    m("init-he-constant", "init/initializer.hpp",
      "const double a = std::sqrt(6.0 / static_cast<double>(fan_in));",
      "const double a = std::sqrt(3.0 / static_cast<double>(fan_in));",
      "He uniform with LeCun's constant 3 instead of 6",
      "tests/unit/init_scales.cpp", "tests/unit/training.cpp"),
    m("init-he-normal-variance", "init/initializer.hpp",
      "return rng.normal() * std::sqrt(2.0 / static_cast<double>(fan_in));",
      "return rng.normal() * (2.0 / static_cast<double>(fan_in));",
      "He normal scaled by the variance 2 / fan_in instead of its square root",
      "tests/unit/init_scales.cpp", "tests/unit/training.cpp"),
    m("init-torch-default-sqrt", "init/initializer.hpp",
      "const double a = 1.0 / std::sqrt(static_cast<double>(fan_in));",
      "const double a = 1.0 / static_cast<double>(fan_in);",
      "TorchDefault (and the recurrent layers' init) bound 1 / fan_in instead of 1 / sqrt(fan_in)",
      "tests/unit/init_scales.cpp", "tests/unit/recurrent_state.cpp", "tests/unit/recurrent.cpp"),
    m("init-normal-box-muller", "init/random.hpp",
      "return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);",
      "return std::sqrt(-std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);",
      "Box-Muller without the factor 2: normal draws of variance 1/2",
      "tests/unit/init_scales.cpp", "tests/unit/sampling.cpp", "tests/unit/recurrent.cpp"),
    # ---- io ------------------------------------------------------------------------------------
    m("io-idx-endianness", "io/idx.hpp",
      "for (std::size_t i = 0; i < bytes; ++i) v = (v << 8) | p[i];",
      "for (std::size_t i = 0; i < bytes; ++i) v |= std::uint64_t{p[i]} << (8 * i);",
      "IDX values read little-endian (the format is big-endian)",
      "tests/unit/io_idx.cpp"),
    m("io-utf8-surrogates", "io/utf8.hpp",
      "  else if (b0 == 0xEDu) high = 0x9Fu;  // above: a UTF-16 surrogate\n",
      "",
      "UTF-8 decoder accepts encoded UTF-16 surrogates (ED A0..BF)",
      "tests/unit/text_corpus.cpp"),
    m("io-fashion-mnist-scale", "io/fashion_mnist.hpp",
      "static_cast<float>(images.bytes[i]) / 255.0f;",
      "static_cast<float>(images.bytes[i]) / 256.0f;",
      "Fashion-MNIST pixels divided by 256 (255 no longer maps to 1)",
      "tests/unit/io_fashion_mnist.cpp"),
    m("io-checkpoint-int64", "io/checkpoint.hpp",
      "} else if (r.dtype == \"I64\") {",
      "} else if (r.dtype == \"F64\") {",
      "checkpoint reader converts F64 arrays as int64 and I64 arrays as double",
      "tests/unit/checkpoint.cpp"),
    m("io-vocabulary-min-count", "io/vocabulary.hpp",
      "seen[keep].second >= options.min_count",
      "seen[keep].second > options.min_count",
      "Vocabulary drops symbols seen exactly min_count times",
      "tests/unit/text_corpus.cpp"),
    # ---- kernels -------------------------------------------------------------------------------
    m("kernels-gemm-row-remainder", "kernels/gemm.hpp",
      "if constexpr (B % R != 0) {\n    constexpr std::size_t i = B / R * R;",
      "if constexpr (false) {\n    constexpr std::size_t i = B / R * R;",
      "batched Dense forward skips the last B % R rows (the remainder tile)",
      "tests/unit/kernels_dense_float_large.cpp"),
    m("kernels-gemv-k-remainder", "kernels/gemv.hpp",
      "static_for<K % U>([&](auto u) {",
      "static_for<0>([&](auto u) {",
      "batch-1 Dense forward skips the last K % U inputs of the unrolled reduction",
      "tests/unit/network_values.cpp", "tests/unit/kernels_dense_float_small.cpp"),
    m("kernels-dense-backward-k-remainder", "kernels/dense_backward.hpp",
      "if constexpr (K % R != 0) {\n    constexpr std::size_t k = K / R * R;\n    weight_gradient_rows",
      "if constexpr (false) {\n    constexpr std::size_t k = K / R * R;\n    weight_gradient_rows",
      "Dense weight gradient skips the last K % R input rows (the remainder tile)",
      "tests/gradcheck/network_gradients.cpp", "tests/unit/kernels_dense_double_small.cpp"),
    m("kernels-dense-backward-dead-lanes", "kernels/dense_backward.hpp",
      "if constexpr (M % W != 0) dz = xsimd::select(live, dz, simd<T, Arch>(T(0)));",
      "",
      "Dense backward prologue no longer clears the padding lanes of dZ (reads dY's padding)",
      "tests/unit/kernels_dense_float_small.cpp"),
    m("kernels-conv-folded-pool-row-stride", "kernels/conv.hpp",
      "plan::algorithm == conv_algorithm::direct ? G.wp() : G.out_w();",
      "G.out_w();",
      "a pool folded into the direct convolution reads its wide planes as if rows were OW apart",
      "tests/unit/conv_pool_fusion.cpp"),
    m("kernels-conv-bias-gradient", "kernels/conv.hpp",
      "db_sum[c] += sum;",
      "db_sum[c] = sum;",
      "Conv2D bias gradient keeps the last sample's sum instead of the batch's",
      "tests/unit/conv2d.cpp", "tests/gradcheck/conv2d.cpp"),
    # ---- layers --------------------------------------------------------------------------------
    m("layers-sigmoid-output-rule", "layers/activation.hpp",
      "output_derivative = expr::x * (1.0 - expr::x);  // y (1 - y)",
      "output_derivative = 1.0 - expr::x;  // y (1 - y)",
      "Sigmoid layer's derivative from its output as 1 - y, the factor y forgotten",
      "tests/unit/training_reference.cpp", "tests/unit/output_derivatives.cpp",
      "tests/unit/training.cpp", "tests/gradcheck/network_gradients.cpp"),
    m("layers-tanh-output-rule", "layers/activation.hpp",
      "output_derivative = 1.0 - expr::square(expr::x);  // 1 - y^2",
      "output_derivative = 1.0 - expr::x;  // 1 - y^2",
      "Tanh layer's derivative from its output as 1 - y, the square forgotten",
      "tests/unit/training_reference.cpp", "tests/unit/output_derivatives.cpp",
      "tests/unit/training.cpp", "tests/gradcheck/network_gradients.cpp"),
    m("layers-maxpool-overlap", "layers/max_pool.hpp",
      "dx[static_cast<std::size_t>(at[o])] += dy[o];",
      "dx[static_cast<std::size_t>(at[o])] = dy[o];",
      "MaxPool backward overwrites instead of adding where overlapping windows share a maximum",
      "tests/unit/pooling.cpp", "tests/gradcheck/pooling.cpp"),
    m("layers-maxpool-tie", "layers/max_pool.hpp",
      "const bool take = (v > best) | (v != v);",
      "const bool take = (v >= best) | (v != v);",
      "MaxPool: the last maximum of a window wins a tie (PyTorch: the first)",
      "tests/unit/pooling.cpp"),
    m("layers-batchnorm-running-var", "layers/batch_norm.hpp",
      "rv = keep * rv + m * (q / T(n - 1));",
      "rv = keep * rv + m * (q / T(n));",
      "BatchNorm (images) updates the running variance with the biased variance",
      "tests/unit/batch_norm.cpp"),
    m("layers-layernorm-eps", "layers/layer_norm.hpp",
      "rstd = T(1) / std::sqrt(var + eps);",
      "rstd = T(1) / (std::sqrt(var) + eps);",
      "LayerNorm adds eps after the square root instead of under it",
      "tests/unit/dropout_layernorm.cpp", "tests/gradcheck/dropout_layernorm.cpp"),
    m("layers-dropout-scale", "layers/dropout.hpp",
      "(bits & 0xFFFFu) < threshold ? T(0) : keep;",
      "(bits & 0xFFFFu) < threshold ? T(0) : T(1);",
      "Dropout keeps values unscaled (no 1 / (1 - p)): inference sees larger activations",
      "tests/unit/dropout_layernorm.cpp"),
    m("layers-gru-update-gate", "layers/gru.hpp",
      "(1.0 - z) * n + z * v::state<0>",
      "z * n + (1.0 - z) * v::state<0>",
      "GRU with the update gate's roles swapped (the other paper convention, not PyTorch's)",
      "tests/unit/recurrent.cpp"),
    m("layers-lstm-forget-gate", "layers/lstm.hpp",
      "sigmoid(v::input<1> + v::hidden<1>) * v::state<0>",
      "sigmoid(v::input<0> + v::hidden<0>) * v::state<0>",
      "LSTM forget gate reads the input gate's rows (gate order i, f, g, o mixed up)",
      "tests/unit/recurrent.cpp"),
    m("layers-softmax-backward", "layers/softmax.hpp",
      "dx[j] = y[j] * (dy[j] - inner);",
      "dx[j] = dy[j] - inner;",
      "unfused Softmax backward without the factor y_j of its Jacobian",
      "tests/gradcheck/network_gradients.cpp"),
    m("layers-embedding-accumulate", "layers/embedding.hpp",
      "for (std::size_t j = 0; j < dim; ++j) g[j] += dy[j];",
      "for (std::size_t j = 0; j < dim; ++j) g[j] = dy[j];",
      "Embedding gradient of a token seen at several steps keeps only the last step's",
      "tests/unit/recurrent.cpp", "tests/gradcheck/recurrent.cpp"),
    m("layers-conv-he-fan", "layers/conv2d.hpp",
      "He::draw(ctx.rng, fan_in, fan_out)",
      "He::draw(ctx.rng, fan_out, fan_in)",
      "Conv2D's He initialisation scaled by fan_out (filters * kh * kw) instead of fan_in",
      "tests/unit/init_scales.cpp", "tests/unit/conv2d.cpp", "tests/unit/training.cpp"),
    m("layers-dense-auto-init", "layers/dense.hpp",
      "v = ctx.before_rectifier ? He::draw(ctx.rng, K, units) : Glorot::draw(ctx.rng, K, units);",
      "v = ctx.before_rectifier ? Glorot::draw(ctx.rng, K, units) : He::draw(ctx.rng, K, units);",
      "Dense's Auto initialiser picks Glorot before a rectifier and He elsewhere",
      "tests/unit/init_scales.cpp", "tests/unit/training.cpp"),
    # ---- loss ----------------------------------------------------------------------------------
    m("loss-ce-batch-mean", "loss/cross_entropy.hpp",
      "const T scale = T(1) / T(B * P);",
      "const T scale = T(1) / T(P);",
      "softmax cross-entropy gradient (p - onehot) not divided by the batch: the sum's gradient",
      "tests/unit/training_reference.cpp", "tests/unit/training.cpp", "tests/gradcheck/losses.cpp"),
    m("loss-ce-partial-batch", "loss/cross_entropy.hpp",
      "if (i < rows) total += ",
      "total += ",
      "cross-entropy counts the padding rows of a partial batch in the loss",
      "tests/unit/evaluate_partial.cpp", "tests/unit/fit_data.cpp", "tests/unit/loss_values.cpp"),
    m("loss-elementwise-mean", "loss/elementwise_loss.hpp",
      "T(1) / T(B * N)",
      "T(1) / T(B)",
      "element-wise losses' gradient divided by the batch only, not by batch * outputs",
      "tests/unit/loss_values.cpp"),
    m("loss-huber-branch", "loss/huber.hpp",
      "return expr::select(delta - expr::abs(d),",
      "return expr::select(expr::abs(d) - delta,",
      "Huber with its quadratic and linear branches swapped",
      "tests/unit/loss_values.cpp"),
    m("loss-bce-softplus", "loss/binary_cross_entropy.hpp",
      "expr::select(loss_y, loss_y + expr::log(1.0 + expr::exp(-loss_y)),\n"
      "                 expr::log(1.0 + expr::exp(loss_y)))",
      "expr::log(1.0 + expr::exp(loss_y))",
      "fused BCE's softplus without its sign split: overflows for large logits",
      "tests/unit/numerics.cpp"),
    # ---- meta ----------------------------------------------------------------------------------
    m("meta-index-one-based", "meta/type_list.hpp",
      ": indexed<Is, Ts>... {\n  using indexed<Is, Ts>::get...;",
      ": indexed<Is + 1, Ts>... {\n  using indexed<Is + 1, Ts>::get...;",
      "type_list indexing one-based: at<I> is the entry before the one asked for",
      "tests/static/network_shapes.cpp"),
    # ---- network -------------------------------------------------------------------------------
    m("network-zero-padding", "network/execute.hpp",
      "      zero_padding(dX, In::size, ld_dx);\n",
      "",
      "backward pass no longer zeroes the padding of each dx (layers are promised zero padding in dy)",
      "tests/unit/backward_padding.cpp", "tests/gradcheck/network_gradients.cpp",
      "tests/unit/network_values.cpp"),
    m("network-fused-activation-twice", "network/execute.hpp",
      "? groups[g].last - 1",
      "? groups[g].last",
      "a loss fused with the last activation (BCE + Sigmoid) gets that activation's derivative again",
      "tests/unit/training_reference.cpp", "tests/unit/training.cpp", "tests/gradcheck/losses.cpp"),
    m("network-random-stream-step", "network/context.hpp",
      "return Random(seed, layer, step);",
      "return Random(seed, layer, 0);",
      "a layer's random stream ignores the training step: Dropout draws the same mask every step",
      "tests/unit/dropout_layernorm.cpp"),
    m("network-elementwise-flops", "network/cost.hpp",
      "operation_count(expr::derivative(L::function)) + 1;",
      "operation_count(expr::derivative(L::function));",
      "training FLOPs of an activation omit the product dy * f'",
      "tests/unit/network_flops.cpp", "tests/unit/pooling.cpp", "tests/unit/layer_contract.cpp"),
    # ---- optim ---------------------------------------------------------------------------------
    m("optim-adam-bias-correction", "optim/adam.hpp",
      "const double bias_correction2 = 1 - std::pow(o.beta2, t);",
      "const double bias_correction2 = 1.0;",
      "Adam without the bias correction of its second moment",
      "tests/unit/optim_adam.cpp"),
    m("optim-sgd-nesterov", "optim/sgd.hpp",
      "if constexpr (Momentum == 2) p = p - lr * (d + mu * (b, ...));",
      "if constexpr (Momentum == 2) p = p - lr * (b, ...);",
      "Nesterov momentum steps like classical momentum",
      "tests/unit/optim_sgd.cpp"),
    # ---- shape ---------------------------------------------------------------------------------
    m("shape-column-major", "shape/shape.hpp",
      "for (std::size_t i = sizeof...(Dims); i-- > 0;) {",
      "for (std::size_t i = 0; i < sizeof...(Dims); ++i) {",
      "Shape strides column-major instead of row-major",
      "tests/static/shape_algebra.cpp", "tests/unit/tensor.cpp"),
    m("shape-dilation-span", "shape/window.hpp",
      "return dilation * (kernel - 1) + 1;",
      "return dilation * (kernel - 1);",
      "a dilated window's span one too short (output one larger)",
      "tests/static/network_shapes.cpp", "tests/unit/conv2d.cpp"),
    m("shape-same-extra-padding", "shape/window.hpp",
      "return {th / 2, tw / 2, th - th / 2, tw - tw / 2};",
      "return {th - th / 2, tw - tw / 2, th / 2, tw / 2};",
      "Same padding puts the odd extra row/column at the top-left (PyTorch: bottom-right)",
      "tests/unit/conv2d.cpp"),
    # ---- tensor --------------------------------------------------------------------------------
    m("tensor-offset-dims", "tensor/tensor.hpp",
      "at += index[d] * S::strides[d];",
      "at += index[d] * S::dims[d];",
      "Tensor element offset by the dimensions instead of the strides",
      "tests/unit/tensor.cpp"),
    # ---- train ---------------------------------------------------------------------------------
    m("train-evaluate-accuracy-padding", "train/trainer.hpp",
      "count_correct(data, order.data(), rows, accuracy, ws);",
      "count_correct(data, order.data(), batch, accuracy, ws);",
      "evaluate() counts the padding copies of a partial last batch in the accuracy",
      "tests/unit/evaluate_partial.cpp", "tests/unit/fit_data.cpp"),
    m("train-evaluate-loss-padding", "train/trainer.hpp",
      "loss_of<evaluation_pass>(Y, ws, targets_.data(), rows)",
      "loss_of<evaluation_pass>(Y, ws, targets_.data(), batch)",
      "evaluate() takes the loss of a whole padded last batch",
      "tests/unit/evaluate_partial.cpp", "tests/unit/fit_data.cpp"),
    m("train-no-shuffle", "train/trainer.hpp",
      "      rng.shuffle(order.begin(), order.size());\n",
      "",
      "fit() never shuffles: every epoch sees the same batches in the same order",
      "tests/unit/training.cpp"),
    m("train-clip-norm-squared", "train/trainer.hpp",
      "gradient_norm_ = std::sqrt(sum);",
      "gradient_norm_ = sum;",
      "gradient clipping compares the squared norm with max_norm",
      "tests/unit/recurrent_state.cpp", "tests/unit/numerics.cpp"),
    m("train-precision-as-recall", "train/metrics.hpp",
      "column += (*this)(l, c);",
      "column += (*this)(c, l);",
      "ConfusionMatrix::precision divides by the row (recall's denominator)",
      "tests/unit/confusion_matrix.cpp", "tests/unit/train_metrics.cpp"),
    m("train-sampling-temperature", "train/sampling.hpp",
      "std::exp((s - top) / o.temperature)",
      "std::exp((s - top) * o.temperature)",
      "sampling multiplies the logits by the temperature instead of dividing",
      "tests/unit/sampling.cpp"),
    # ---- top level -----------------------------------------------------------------------------
    m("config-alignment", "config.hpp",
      "inline constexpr std::size_t alignment = 64;",
      "inline constexpr std::size_t alignment = 32;",
      "rows padded and aligned to 32 bytes, half an AVX-512 register",
      "tests/unit/kernels_dense_narrow.cpp"),
]

TEST_DIRS = ("tests/unit/", "tests/gradcheck/", "tests/static/")


# ------------------------------------------------------------------------------------------------
class StaleList(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def folder_of(mutant):
    parts = mutant.file.split("/")
    return parts[0] if len(parts) > 1 else "(top)"


def take_snapshot(rev, dest):
    """include/, tests/ and examples/ of the working tree, or of a commit, copied into dest."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    if rev is None:
        for part in ("include", "tests", "examples"):
            shutil.copytree(ROOT / part, dest / part, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.o"))
    else:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", rev,
                                  "include", "tests", "examples"],
                                 check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            try:
                tar.extractall(dest, filter="data")
            except TypeError:  # Python before 3.11.4 has no extraction filters
                tar.extractall(dest)


def check_list(mutants, snapshot):
    """Every snippet exactly once in its file, every test file present; raises StaleList."""
    problems = []
    seen = set()
    for mu in mutants:
        if mu.id in seen:
            problems.append(f"{mu.id}: duplicate id")
        seen.add(mu.id)
        path = snapshot / "include" / "nerve" / mu.file
        if not path.is_file():
            problems.append(f"{mu.id}: include/nerve/{mu.file} does not exist")
            continue
        text = path.read_text()
        n = text.count(mu.original)
        if n != 1:
            problems.append(f"{mu.id}: the original snippet occurs {n} times in include/nerve/"
                            f"{mu.file} (must be exactly once):\n      {mu.original!r}")
        if mu.original == mu.replacement:
            problems.append(f"{mu.id}: replacement equals the original")
        if not mu.tests:
            problems.append(f"{mu.id}: no affected tests")
        for t in mu.tests:
            if not t.startswith(TEST_DIRS) or not t.endswith(".cpp"):
                problems.append(f"{mu.id}: {t} is not a test source of tests/unit, gradcheck or static")
            elif not (snapshot / t).is_file():
                problems.append(f"{mu.id}: test {t} does not exist")
    if problems:
        raise StaleList("\n".join("  " + p for p in problems))


def tree_digest(snapshot, flags):
    """Hash of everything a test could include except the test sources themselves."""
    h = hashlib.sha256("\0".join(flags).encode())
    for part in ("include", "tests", "examples"):
        for p in sorted((snapshot / part).rglob("*")):
            if not p.is_file():
                continue
            rel = p.relative_to(snapshot).as_posix()
            if rel.startswith(TEST_DIRS) and rel.endswith(".cpp"):
                continue  # test sources are hashed one at a time
            h.update(rel.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


@dataclasses.dataclass
class Outcome:
    status: str       # pass, compile, test, crash, timeout
    detail: str = ""
    seconds: float = 0.0


class Runner:
    def __init__(self, args, snapshot, work):
        self.args = args
        self.snapshot = snapshot
        self.work = work
        self.flags = ["-std=c++20", "-O1", "-march=native"]
        self.cache = work / "cache"
        self.cache.mkdir(parents=True, exist_ok=True)
        self.digest = tree_digest(snapshot, self.flags + [args.cxx])
        self.main_obj = None
        self.baselines = {}
        self.lock = threading.Lock()
        self.baseline_locks = {}

    # -- compiling and running --------------------------------------------------------------------
    def compile(self, source, include_root, obj):
        cmd = [self.args.cxx, *self.flags, f"-I{include_root / 'include'}",
               f"-I{self.snapshot / 'tests'}",
               f'-DNERVE_TEST_DATA_DIR="{self.snapshot / "tests" / "data"}"',
               "-c", str(source), "-o", str(obj)]
        start = time.monotonic()
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=self.args.compile_timeout)
        except subprocess.TimeoutExpired:
            return Outcome("compile", "compiler timed out", time.monotonic() - start)
        seconds = time.monotonic() - start
        if r.returncode != 0:
            first = next((line for line in r.stderr.splitlines() if "error" in line),
                         r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "?")
            return Outcome("compile", first.strip(), seconds)
        return Outcome("pass", "", seconds)

    def link(self, obj, binary):
        r = subprocess.run([self.args.cxx, str(self.main_obj), str(obj), "-lz", "-o", str(binary)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"link failed for {obj}:\n{r.stderr}")

    def run(self, binary, timeout, abort_on_failure):
        cmd = [str(binary), "--reporter", "compact"] + (["--abort"] if abort_on_failure else [])
        start = time.monotonic()
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                               cwd=binary.parent)
        except subprocess.TimeoutExpired:
            return Outcome("timeout", f"ran past {timeout:.0f} s", time.monotonic() - start)
        seconds = time.monotonic() - start
        out = r.stdout + r.stderr
        if r.returncode < 0:
            return Outcome("crash", f"signal {-r.returncode}", seconds)
        if r.returncode != 0:
            first = next((line for line in out.splitlines() if "failed" in line.lower()), "")
            summary = next((line for line in reversed(out.splitlines())
                            if "test case" in line or "assertion" in line), "")
            return Outcome("test", (first[:160] + " | " + summary.strip()[:80]).strip(" |"), seconds)
        return Outcome("pass", "", seconds)

    def ensure_main(self):
        obj = self.cache / f"main-{hashlib.sha256((self.args.cxx + ' '.join(self.flags)).encode()).hexdigest()[:16]}.o"
        if not obj.exists():
            log("compiling tests/main.cpp (Catch2's main) once")
            tmp = obj.with_suffix(".tmp.o")
            r = subprocess.run([self.args.cxx, *self.flags, "-c", str(self.snapshot / "tests" / "main.cpp"),
                                "-o", str(tmp)], capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError("tests/main.cpp does not compile:\n" + r.stderr)
            tmp.rename(obj)
        self.main_obj = obj

    # -- the unmutated tests --------------------------------------------------------------------
    def baseline(self, test):
        with self.lock:
            lock = self.baseline_locks.setdefault(test, threading.Lock())
        with lock:
            if test in self.baselines:
                return self.baselines[test]
            source = self.snapshot / test
            key = hashlib.sha256((self.digest + test).encode() + source.read_bytes()).hexdigest()[:20]
            stem = self.cache / f"{Path(test).stem}-{key}"
            record = stem.with_suffix(".json")
            if record.exists() and not self.args.fresh:
                data = json.loads(record.read_text())
                outcome = Outcome(**data["outcome"])
                if outcome.status == "pass":
                    outcome.seconds = data["run_seconds"]
                self.baselines[test] = outcome
                return outcome
            log(f"baseline: compiling {test}")
            obj = stem.with_suffix(".o")
            c = self.compile(source, self.snapshot, obj)
            if c.status != "pass":
                outcome = Outcome("compile", c.detail, c.seconds)
                run_seconds = 0.0
            else:
                binary = stem.with_suffix(".bin")
                self.link(obj, binary)
                outcome = self.run(binary, self.args.baseline_timeout, abort_on_failure=False)
                run_seconds = outcome.seconds
                log(f"baseline: {test}: compiled in {c.seconds:.0f} s, ran in {run_seconds:.1f} s: "
                    f"{'passes' if outcome.status == 'pass' else 'FAILS ' + outcome.detail}")
                binary.unlink(missing_ok=True)
            obj.unlink(missing_ok=True)
            record.write_text(json.dumps({"outcome": dataclasses.asdict(outcome),
                                          "compile_seconds": c.seconds, "run_seconds": run_seconds}))
            self.baselines[test] = outcome
            return outcome

    # -- one mutant -----------------------------------------------------------------------------
    def mutate(self, mu):
        tests = [t for t in mu.tests if t not in self.args.exclude_tests]
        start = time.monotonic()
        if not tests:
            return {"status": "void", "detail": "every affected test excluded", "seconds": 0.0}
        for t in tests:
            b = self.baseline(t)
            if b.status != "pass":
                return {"status": "void",
                        "detail": f"{t} fails without the mutant ({b.status}: {b.detail})",
                        "seconds": time.monotonic() - start}
        root = self.work / mu.id
        if root.exists():
            shutil.rmtree(root)
        shutil.copytree(self.snapshot / "include", root / "include")
        target = root / "include" / "nerve" / mu.file
        text = target.read_text()
        target.write_text(text.replace(mu.original, mu.replacement, 1))
        killers = []
        try:
            for t in tests:
                obj = root / (Path(t).stem + ".o")
                c = self.compile(self.snapshot / t, root, obj)
                if c.status != "pass":
                    killers.append(("compile", t, c.detail))
                else:
                    binary = obj.with_suffix("")
                    self.link(obj, binary)
                    limit = max(self.args.min_run_timeout, 20 * self.baselines[t].seconds)
                    r = self.run(binary, limit, abort_on_failure=not self.args.all_tests)
                    if r.status != "pass":
                        killers.append((r.status, t, r.detail))
                if killers and not self.args.all_tests:
                    break
        finally:
            if not self.args.keep:
                shutil.rmtree(root, ignore_errors=True)
        seconds = time.monotonic() - start
        if killers:
            kind, t, detail = killers[0]
            by = ", ".join(f"{Path(k[1]).parent.name}/{Path(k[1]).name} ({k[0]})" for k in killers)
            return {"status": f"killed ({kind})", "detail": f"by {by}: {detail}", "seconds": seconds,
                    "killers": [k[1] for k in killers]}
        return {"status": "SURVIVED", "detail": "passed: " + ", ".join(tests), "seconds": seconds,
                "killers": []}


def print_table(mutants, results, out):
    rows = []
    for mu in mutants:
        r = results[mu.id]
        rows.append((mu.id, folder_of(mu), r["status"], f'{r["seconds"]:.0f}s', r["detail"]))
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    w2 = max(len(r[2]) for r in rows)
    print(f"{'mutant':<{w0}}  {'folder':<{w1}}  {'result':<{w2}}  {'time':>5}  detail", file=out)
    print("-" * (w0 + w1 + w2 + 30), file=out)
    for r in rows:
        print(f"{r[0]:<{w0}}  {r[1]:<{w1}}  {r[2]:<{w2}}  {r[3]:>5}  {r[4][:150]}", file=out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", nargs="+", metavar="ID", help="run only these mutants")
    p.add_argument("--jobs", type=int, default=1, help="mutants compiled at once (default 1)")
    p.add_argument("--rev", help="take include/, tests/, examples/ from this commit (default: the "
                                 "working tree)")
    p.add_argument("--work", default="/tmp/mutants", help="work directory (default /tmp/mutants)")
    p.add_argument("--cxx", default=os.environ.get("CXX", "g++"))
    p.add_argument("--all-tests", action="store_true",
                   help="run every affected test of a mutant, not only up to the first that kills it")
    p.add_argument("--exclude-tests", nargs="+", default=[], metavar="TEST",
                   help="leave these test files out of every mutant (e.g. to measure the suite "
                        "without a new test)")
    p.add_argument("--check", action="store_true", help="only check the list against the sources")
    p.add_argument("--list", action="store_true", help="print the mutants and exit")
    p.add_argument("--keep", action="store_true", help="keep each mutant's copy and binaries")
    p.add_argument("--fresh", action="store_true", help="ignore cached baseline results")
    p.add_argument("--compile-timeout", type=float, default=1800)
    p.add_argument("--baseline-timeout", type=float, default=900)
    p.add_argument("--min-run-timeout", type=float, default=120,
                   help="a mutant's test may run 20 times its baseline time, and at least this")
    args = p.parse_args()

    mutants = MUTANTS
    if args.only:
        unknown = set(args.only) - {mu.id for mu in MUTANTS}
        if unknown:
            sys.exit(f"unknown mutant(s): {', '.join(sorted(unknown))} (see --list)")
        mutants = [mu for mu in MUTANTS if mu.id in args.only]
    if args.list:
        for mu in mutants:
            print(f"{mu.id:<38} include/nerve/{mu.file:<30} {mu.description}")
            print(f"{'':<38} tests: {', '.join(mu.tests)}")
        return 0
    args.exclude_tests = set(args.exclude_tests)

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    snapshot = work / "snapshot"
    started = time.monotonic()
    take_snapshot(args.rev, snapshot)
    try:
        check_list(MUTANTS, snapshot)  # the whole list, even with --only: it must not rot
    except StaleList as e:
        print(f"mutants.py: the mutant list is stale against "
              f"{'the working tree' if args.rev is None else args.rev}:\n{e}", file=sys.stderr)
        return 3
    folders = {}
    for mu in MUTANTS:
        folders[folder_of(mu)] = folders.get(folder_of(mu), 0) + 1
    log(f"{len(MUTANTS)} mutants, every snippet found exactly once; per folder: " +
        ", ".join(f"{k} {v}" for k, v in sorted(folders.items())))
    if args.check:
        return 0

    runner = Runner(args, snapshot, work)
    runner.ensure_main()
    results = {}

    def one(mu):
        log(f"mutant {mu.id}: {mu.description}")
        r = runner.mutate(mu)
        log(f"mutant {mu.id}: {r['status']} ({r['seconds']:.0f} s) {r['detail'][:140]}")
        return mu.id, r

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for mid, r in pool.map(one, mutants):
            results[mid] = r

    out = io.StringIO()
    print_table(mutants, results, out)
    killed = sum(r["status"].startswith("killed") for r in results.values())
    survived = [mid for mid, r in results.items() if r["status"] == "SURVIVED"]
    void = [mid for mid, r in results.items() if r["status"] == "void"]
    judged = killed + len(survived)
    elapsed = time.monotonic() - started
    print("", file=out)
    ratio = f"{killed}/{judged} = {100.0 * killed / judged:.1f}%" if judged else "n/a"
    print(f"kill ratio: {ratio} killed"
          + (f"; survived: {', '.join(survived)}" if survived else "")
          + (f"; void (not counted): {', '.join(void)}" if void else ""), file=out)
    print(f"run time: {elapsed / 60:.1f} min, {args.jobs} job(s), sources: "
          f"{'working tree' if args.rev is None else args.rev}", file=out)
    text = out.getvalue()
    print(text)
    (work / "last-report.txt").write_text(text)
    (work / "last-report.json").write_text(json.dumps(results, indent=1))
    if survived:
        return 1
    if void:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
