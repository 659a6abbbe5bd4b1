// nerve/expr/node.hpp: the nodes of an expression. A node holds its operands and an op tag,
// nothing else; how it is computed lives in eval/, how it is differentiated in autodiff/.
//
// Nodes are structural types (public members, no state beyond constants), so an expression is a
// value usable as a template argument: Activation<x * sigmoid(x)> is a type.
#pragma once

#include <type_traits>

namespace nerve::expr {

// The variable of a function expression: the pre-activation z of an activation.
struct Var {};
// A constant; literals in expressions become Const.
struct Const {
  double value;
};
// Exact 0 and 1, kept apart from Const so that derivatives simplify at compile time.
struct Zero {};
struct One {};

template <class Op, class A>
struct Unary {
  A a;
};
template <class Op, class A, class B>
struct Binary {
  A a;
  B b;
};

// Leaves that read memory (tensor operands) specialise this to true; see expr/tensor_expr.hpp.
template <class T>
struct is_leaf : std::false_type {};
template <>
struct is_leaf<Var> : std::true_type {};
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

// concept Expr: any expression node (function of x, or of tensors).
template <class T>
concept Expr = is_node<std::remove_cvref_t<T>>::value;

template <class T>
inline constexpr bool is_zero = std::is_same_v<std::remove_cvref_t<T>, Zero>;
template <class T>
inline constexpr bool is_one = std::is_same_v<std::remove_cvref_t<T>, One>;

// The placeholder users write activations with: Activation<x * sigmoid(x)>.
inline constexpr Var x{};

}  // namespace nerve::expr
