// nerve/expr/ops/elementwise.hpp: every element-wise op tag, with its value and its derivative
// rule. A rule gives the partial derivative with respect to each operand as an expression of the
// operands; autodiff/derivative.hpp chains them. Nobody else writes a derivative.
//
// eval is constexpr on scalars, so expr/simplify.hpp folds an op of constants with the same code.
//
// concept UnaryOp  { static V eval(V a);      static Expr derivative(A a); name }
// concept BinaryOp { static V eval(V a, V b); static Expr partial_a(A a, B b), partial_b(A a, B b); name }
#pragma once

#include "nerve/config.hpp"        // NERVE_INLINE
#include "nerve/expr/build.hpp"    // the builders the rules are written with
#include "nerve/expr/ops/math.hpp" // nerve::math::*

namespace nerve::expr::ops {

struct Add {
  static constexpr const char* name = "+";
  template <class V> static NERVE_INLINE constexpr V eval(V a, V b) { return a + b; }
  template <class A, class B> static constexpr auto partial_a(A, B) { return One{}; }
  template <class A, class B> static constexpr auto partial_b(A, B) { return One{}; }
};
struct Sub {
  static constexpr const char* name = "-";
  template <class V> static NERVE_INLINE constexpr V eval(V a, V b) { return a - b; }
  template <class A, class B> static constexpr auto partial_a(A, B) { return One{}; }
  template <class A, class B> static constexpr auto partial_b(A, B) { return Const{-1.0}; }
};
struct Mul {
  static constexpr const char* name = "*";
  template <class V> static NERVE_INLINE constexpr V eval(V a, V b) { return a * b; }
  template <class A, class B> static constexpr auto partial_a(A, B b) { return b; }
  template <class A, class B> static constexpr auto partial_b(A a, B) { return a; }
};
struct Div {
  static constexpr const char* name = "/";
  template <class V> static NERVE_INLINE constexpr V eval(V a, V b) { return a / b; }
  template <class A, class B> static constexpr auto partial_a(A, B b) { return One{} / b; }
  template <class A, class B> static constexpr auto partial_b(A a, B b) { return -(a / square(b)); }
};
// At a tie the derivative goes to the first operand: relu'(0) = step(0) = 0, as in PyTorch.
struct Max {
  static constexpr const char* name = "max";
  template <class V> static NERVE_INLINE constexpr V eval(V a, V b) { return math::max(a, b); }
  template <class A, class B> static constexpr auto partial_a(A a, B b) { return step(a - b); }
  template <class A, class B> static constexpr auto partial_b(A a, B b) { return One{} - step(a - b); }
};
struct Min {
  static constexpr const char* name = "min";
  template <class V> static NERVE_INLINE constexpr V eval(V a, V b) { return math::min(a, b); }
  template <class A, class B> static constexpr auto partial_a(A a, B b) { return step(b - a); }
  template <class A, class B> static constexpr auto partial_b(A a, B b) { return One{} - step(b - a); }
};

struct Neg {
  static constexpr const char* name = "neg";
  template <class V> static NERVE_INLINE constexpr V eval(V a) { return -a; }
  template <class A> static constexpr auto derivative(A) { return Const{-1.0}; }
};
struct Exp {
  static constexpr const char* name = "exp";
  template <class V> static NERVE_INLINE constexpr V eval(V a) { return math::exp(a); }
  template <class A> static constexpr auto derivative(A a) { return exp(a); }
};
struct Log {
  static constexpr const char* name = "log";
  template <class V> static NERVE_INLINE constexpr V eval(V a) { return math::log(a); }
  template <class A> static constexpr auto derivative(A a) { return One{} / a; }
};
struct Tanh {
  static constexpr const char* name = "tanh";
  template <class V> static NERVE_INLINE constexpr V eval(V a) { return math::tanh(a); }
  template <class A> static constexpr auto derivative(A a) { return One{} - square(tanh(a)); }
};
struct Sigmoid {
  static constexpr const char* name = "sigmoid";
  template <class V> static NERVE_INLINE constexpr V eval(V a) { return math::sigmoid(a); }
  template <class A> static constexpr auto derivative(A a) {
    return sigmoid(a) * (One{} - sigmoid(a));
  }
};
struct Relu {
  static constexpr const char* name = "relu";
  template <class V> static NERVE_INLINE constexpr V eval(V a) { return math::max(a, V(0)); }
  template <class A> static constexpr auto derivative(A a) { return step(a); }
};
struct Step {
  static constexpr const char* name = "step";
  template <class V> static NERVE_INLINE constexpr V eval(V a) { return math::step(a); }
  template <class A> static constexpr auto derivative(A) { return Zero{}; }
};
struct Square {
  static constexpr const char* name = "square";
  template <class V> static NERVE_INLINE constexpr V eval(V a) { return a * a; }
  template <class A> static constexpr auto derivative(A a) { return Const{2.0} * a; }
};
struct Sqrt {
  static constexpr const char* name = "sqrt";
  template <class V> static NERVE_INLINE constexpr V eval(V a) { return math::sqrt(a); }
  template <class A> static constexpr auto derivative(A a) { return Const{0.5} / sqrt(a); }
};
struct Abs {
  static constexpr const char* name = "abs";
  template <class V> static NERVE_INLINE constexpr V eval(V a) { return math::abs(a); }
  template <class A> static constexpr auto derivative(A a) { return sign(a); }
};
struct Sign {
  static constexpr const char* name = "sign";
  template <class V> static NERVE_INLINE constexpr V eval(V a) { return math::sign(a); }
  template <class A> static constexpr auto derivative(A) { return Zero{}; }
};

}  // namespace nerve::expr::ops
