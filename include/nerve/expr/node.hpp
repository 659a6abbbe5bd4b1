// nerve/expr/node.hpp: the nodes of an expression. A node holds its operands and an op tag,
// nothing else; how it is computed lives in eval/, how it is differentiated in autodiff/.
//
// Nodes are structural types (public members, no state beyond constants), so an expression is a
// value usable as a template argument: Activation<x * sigmoid(x)> is a type. Equality (==) is
// structural too: same type and same constants; expr/reuse.hpp matches subexpressions with it.
#pragma once

#include <cstddef>  // std::size_t
#include <type_traits>

namespace nerve::expr {

// ---- symbols: the leaves a context gives values to ------------------------------------------
// Variable I of a function; Variable<0> is x, the pre-activation z of an activation.
template <std::size_t I>
struct Variable {
  friend constexpr bool operator==(Variable, Variable) = default;
};
using Var = Variable<0>;
// Parameter I, e.g. a per-feature weight a in a * x + b.
template <std::size_t I>
struct Param {
  friend constexpr bool operator==(Param, Param) = default;
};
// The value of output K of a function, already computed by the forward pass.
template <std::size_t K>
struct Output {
  friend constexpr bool operator==(Output, Output) = default;
};
// The incoming gradient dL/d(output K).
template <std::size_t K>
struct OutputGrad {
  friend constexpr bool operator==(OutputGrad, OutputGrad) = default;
};

template <class T>
struct is_symbol : std::false_type {};
template <std::size_t I>
struct is_symbol<Variable<I>> : std::true_type {};
template <std::size_t I>
struct is_symbol<Param<I>> : std::true_type {};
template <std::size_t K>
struct is_symbol<Output<K>> : std::true_type {};
template <std::size_t K>
struct is_symbol<OutputGrad<K>> : std::true_type {};

template <class T>
concept Symbol = is_symbol<std::remove_cvref_t<T>>::value;

// ---- constants --------------------------------------------------------------------------------
// A constant; literals in expressions become Const.
struct Const {
  double value;
  friend constexpr bool operator==(Const, Const) = default;
};
// Exact 0 and 1, kept apart from Const so that derivatives simplify at compile time.
struct Zero {
  friend constexpr bool operator==(Zero, Zero) = default;
};
struct One {
  friend constexpr bool operator==(One, One) = default;
};

// ---- inner nodes ------------------------------------------------------------------------------
template <class Op, class A>
struct Unary {
  A a;
  friend constexpr bool operator==(const Unary&, const Unary&) = default;
};
template <class Op, class A, class B>
struct Binary {
  A a;
  B b;
  friend constexpr bool operator==(const Binary&, const Binary&) = default;
};
// c > 0 ? a : b, lane by lane. Its own node (not step(c) * a + ...): the branch not taken must
// not leak an inf or NaN into the result, and its derivative is select(c, da, db).
template <class C, class A, class B>
struct Select {
  C c;
  A a;
  B b;
  friend constexpr bool operator==(const Select&, const Select&) = default;
};

// Leaves that read memory (tensor operands) specialise this to true; see expr/tensor_expr.hpp.
template <class T>
struct is_leaf : is_symbol<T> {};
template <>
struct is_leaf<Const> : std::true_type {};
template <>
struct is_leaf<Zero> : std::true_type {};
template <>
struct is_leaf<One> : std::true_type {};

template <class T>
struct is_node : is_leaf<T> {};
template <class Op, class A>
struct is_node<Unary<Op, A>> : std::true_type {};
template <class Op, class A, class B>
struct is_node<Binary<Op, A, B>> : std::true_type {};
template <class C, class A, class B>
struct is_node<Select<C, A, B>> : std::true_type {};

// concept Expr: any expression node (function of symbols, or of tensors).
template <class T>
concept Expr = is_node<std::remove_cvref_t<T>>::value;

template <class T>
inline constexpr bool is_zero = std::is_same_v<std::remove_cvref_t<T>, Zero>;
template <class T>
inline constexpr bool is_one = std::is_same_v<std::remove_cvref_t<T>, One>;

// Structural equality of two expressions of any types: false when the types differ.
template <class A, class B>
constexpr bool same_expr(const A& a, const B& b) {
  if constexpr (std::is_same_v<A, B>) return a == b;
  else return false;
}

// The placeholders users write expressions with: Activation<x * sigmoid(x)>.
inline constexpr Var x{};
template <std::size_t I>
inline constexpr Variable<I> variable{};
template <std::size_t I>
inline constexpr Param<I> param{};
template <std::size_t K>
inline constexpr Output<K> output{};
template <std::size_t K>
inline constexpr OutputGrad<K> output_grad{};

}  // namespace nerve::expr
