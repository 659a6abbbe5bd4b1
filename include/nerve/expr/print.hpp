// nerve/expr/print.hpp: an expression as text, "x * sigmoid(x)", for summaries and messages.
// Symbols print as x (Variable<0>), v1, v2 ... (other variables), p0 ... (parameters),
// y0 ... (outputs) and dy0 ... (output gradients).
#pragma once

#include <cstddef>  // std::size_t
#include <cstdio>   // std::snprintf
#include <string>
#include <type_traits>

#include "nerve/expr/node.hpp"             // nodes, symbols
#include "nerve/expr/ops/elementwise.hpp"  // op names

namespace nerve::expr {

// prefix and index, e.g. "dy1" (snprintf: "v" + std::to_string(i) trips g++ 12's -Wrestrict)
inline std::string indexed_name(const char* prefix, std::size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%zu", prefix, i);
  return buf;
}
template <std::size_t I>
std::string symbol_to_string(Variable<I>) {
  return I == 0 ? std::string("x") : indexed_name("v", I);
}
template <std::size_t I>
std::string symbol_to_string(Param<I>) {
  return indexed_name("p", I);
}
template <std::size_t K>
std::string symbol_to_string(Output<K>) {
  return indexed_name("y", K);
}
template <std::size_t K>
std::string symbol_to_string(OutputGrad<K>) {
  return indexed_name("dy", K);
}

template <class E>
std::string to_string(const E& e) {
  if constexpr (Symbol<E>) {
    return symbol_to_string(e);
  } else if constexpr (std::is_same_v<E, Const>) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", e.value);
    return buf;
  } else if constexpr (std::is_same_v<E, Zero>) {
    return "0";
  } else if constexpr (std::is_same_v<E, One>) {
    return "1";
  } else {
    return node_to_string(e);
  }
}

// Built by appending: "(" + to_string(a) inserts at the front, which g++ 12 flags (-Wrestrict).
template <class... Parts>
std::string concat(const Parts&... parts) {
  std::string s;
  (s += ... += parts);
  return s;
}

template <class Op, class A>
std::string node_to_string(const Unary<Op, A>& e) {
  if constexpr (std::is_same_v<Op, ops::Neg>) return concat("-(", to_string(e.a), ")");
  else return concat(Op::name, "(", to_string(e.a), ")");
}
template <class Op, class A, class B>
std::string node_to_string(const Binary<Op, A, B>& e) {
  constexpr bool infix = std::is_same_v<Op, ops::Add> || std::is_same_v<Op, ops::Sub> ||
                         std::is_same_v<Op, ops::Mul> || std::is_same_v<Op, ops::Div>;
  if constexpr (infix) {
    return concat("(", to_string(e.a), " ", Op::name, " ", to_string(e.b), ")");
  } else {
    return concat(Op::name, "(", to_string(e.a), ", ", to_string(e.b), ")");
  }
}
template <class C, class A, class B>
std::string node_to_string(const Select<C, A, B>& e) {
  return concat("select(", to_string(e.c), ", ", to_string(e.a), ", ", to_string(e.b), ")");
}

}  // namespace nerve::expr
