// nerve/expr/tensor_expr.hpp: expressions over tensors. A tensor in an expression becomes a
// leaf that reads its memory; contractions (matvec, matmul, outer) are leaves that compute their
// outputs on demand, so an element-wise expression around a contraction consumes each output
// straight from registers: assign(y, relu(matvec(W, x) + b)) is one pass, nothing in between.
// Building computes nothing; eval/assign.hpp evaluates.
#pragma once

#include <cstddef>  // std::size_t
#include <type_traits>

#include "nerve/expr/node.hpp"      // nerve::expr::is_leaf, Unary, Binary, Select
#include "nerve/shape/shape.hpp"    // nerve::Shape
#include "nerve/tensor/tensor.hpp"  // nerve::Tensor

namespace nerve::expr {

// A tensor operand: reads S::size elements of T from data.
template <class T, AnyShape S>
struct TensorLeaf {
  using value_type = T;
  using shape_type = S;
  const T* data;
  friend constexpr bool operator==(const TensorLeaf&, const TensorLeaf&) = default;
};

// y = W x: W is (M, K), x is (K); y is (M).
template <class T, std::size_t M, std::size_t K>
struct MatVec {
  using value_type = T;
  using shape_type = Shape<M>;
  const T* w;
  const T* x;
  friend constexpr bool operator==(const MatVec&, const MatVec&) = default;
};

// C = A B: A is (M, K), B is (K, N); C is (M, N).
template <class T, std::size_t M, std::size_t K, std::size_t N>
struct MatMul {
  using value_type = T;
  using shape_type = Shape<M, N>;
  const T* a;
  const T* b;
  friend constexpr bool operator==(const MatMul&, const MatMul&) = default;
};

// C = a b^T: a is (M), b is (N); C is (M, N).
template <class T, std::size_t M, std::size_t N>
struct Outer {
  using value_type = T;
  using shape_type = Shape<M, N>;
  const T* a;
  const T* b;
  friend constexpr bool operator==(const Outer&, const Outer&) = default;
};

template <class T, AnyShape S>
struct is_leaf<TensorLeaf<T, S>> : std::true_type {};
template <class T, std::size_t M, std::size_t K>
struct is_leaf<MatVec<T, M, K>> : std::true_type {};
template <class T, std::size_t M, std::size_t K, std::size_t N>
struct is_leaf<MatMul<T, M, K, N>> : std::true_type {};
template <class T, std::size_t M, std::size_t N>
struct is_leaf<Outer<T, M, N>> : std::true_type {};

template <class T>
struct is_tensor : std::false_type {};
template <class T, AnyShape S, class P>
struct is_tensor<Tensor<T, S, P>> : std::true_type {};
template <class T>
concept TensorLike = is_tensor<std::remove_cvref_t<T>>::value;

template <class T, AnyShape S, class P>
constexpr TensorLeaf<std::remove_const_t<T>, S> ref(const Tensor<T, S, P>& t) {
  return {t.data()};
}

// ---- shapes of tensor expressions: void where there is no tensor (a function of x) ---------
template <class E>
struct shape_of {
  using type = void;
};
template <class E>
  requires requires { typename E::shape_type; }
struct shape_of<E> {
  using type = typename E::shape_type;
};
template <class Op, class A>
struct shape_of<Unary<Op, A>> {
  using type = typename shape_of<A>::type;
};
template <class Op, class A, class B>
struct shape_of<Binary<Op, A, B>> {
  using SA = typename shape_of<A>::type;
  using SB = typename shape_of<B>::type;
  static_assert(std::is_void_v<SA> || std::is_void_v<SB> || std::is_same_v<SA, SB>,
                "element-wise operands must have the same shape (nerve does not broadcast "
                "tensors; use a number for a constant)");
  using type = std::conditional_t<std::is_void_v<SA>, SB, SA>;
};
template <class C, class A, class B>
struct shape_of<Select<C, A, B>> {
  using type = typename shape_of<Binary<void, C, Binary<void, A, B>>>::type;
};
template <class E>
using shape_of_t = typename shape_of<E>::type;

// The element type of a tensor expression: that of its first tensor leaf.
template <class E>
struct value_type_of {
  using type = void;
};
template <class E>
  requires requires { typename E::value_type; }
struct value_type_of<E> {
  using type = typename E::value_type;
};
template <class Op, class A>
struct value_type_of<Unary<Op, A>> : value_type_of<A> {};
template <class Op, class A, class B>
struct value_type_of<Binary<Op, A, B>>
    : std::conditional_t<std::is_void_v<typename value_type_of<A>::type>, value_type_of<B>,
                         value_type_of<A>> {};
template <class C, class A, class B>
struct value_type_of<Select<C, A, B>> : value_type_of<Binary<void, C, Binary<void, A, B>>> {};

// ---- contractions ---------------------------------------------------------------------------
template <class T, std::size_t M, std::size_t K, class P1, class P2>
constexpr MatVec<std::remove_const_t<T>, M, K> matvec(const Tensor<T, Shape<M, K>, P1>& w,
                                                      const Tensor<T, Shape<K>, P2>& x) {
  return {w.data(), x.data()};
}
template <class T, std::size_t M, std::size_t K, std::size_t N, class P1, class P2>
constexpr MatMul<std::remove_const_t<T>, M, K, N> matmul(const Tensor<T, Shape<M, K>, P1>& a,
                                                         const Tensor<T, Shape<K, N>, P2>& b) {
  return {a.data(), b.data()};
}
template <class T, std::size_t M, std::size_t N, class P1, class P2>
constexpr Outer<std::remove_const_t<T>, M, N> outer(const Tensor<T, Shape<M>, P1>& a,
                                                    const Tensor<T, Shape<N>, P2>& b) {
  return {a.data(), b.data()};
}

}  // namespace nerve::expr
