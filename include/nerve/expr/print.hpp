// nerve/expr/print.hpp: an expression as text, "x * sigmoid(x)", for summaries and messages.
#pragma once

#include <cstdio>  // std::snprintf
#include <string>
#include <type_traits>

#include "nerve/expr/node.hpp"             // nodes
#include "nerve/expr/ops/elementwise.hpp"  // op names

namespace nerve::expr {

template <class E>
std::string to_string(const E& e) {
  if constexpr (std::is_same_v<E, Var>) {
    return "x";
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

template <class Op, class A>
std::string node_to_string(const Unary<Op, A>& e) {
  if constexpr (std::is_same_v<Op, ops::Neg>) return "-(" + to_string(e.a) + ")";
  else return std::string(Op::name) + "(" + to_string(e.a) + ")";
}
template <class Op, class A, class B>
std::string node_to_string(const Binary<Op, A, B>& e) {
  constexpr bool infix = std::is_same_v<Op, ops::Add> || std::is_same_v<Op, ops::Sub> ||
                         std::is_same_v<Op, ops::Mul> || std::is_same_v<Op, ops::Div>;
  if constexpr (infix) {
    return "(" + to_string(e.a) + " " + Op::name + " " + to_string(e.b) + ")";
  } else {
    return std::string(Op::name) + "(" + to_string(e.a) + ", " + to_string(e.b) + ")";
  }
}

}  // namespace nerve::expr
