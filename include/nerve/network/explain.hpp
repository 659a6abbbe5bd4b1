// nerve/network/explain.hpp: the fusion plan as text: which entries run as one loop, how each
// group's backward pass gets its derivative, and the buffers inference and training use.
#pragma once

#include <cstddef>  // std::size_t
#include <ostream>
#include <string>
#include <utility>  // std::index_sequence

#include "nerve/expr/print.hpp"       // nerve::expr::to_string
#include "nerve/network/execute.hpp"  // nerve::detail::program
#include "nerve/network/summary.hpp"  // nerve::detail::with_thousands

namespace nerve::detail {

inline const char* role_name(fusion_role r) {
  switch (r) {
    case fusion_role::contraction: return "fused kernel";
    case fusion_role::elementwise: return "element-wise pass";
    case fusion_role::reshape: return "view (no work)";
    case fusion_role::standalone: return "own pass";
    default: return "input";
  }
}

template <class Net>
void write_explain(std::ostream& os) {
  if constexpr (!Net::well_formed) {
    os << "(not a network)\n";
  } else {
    using T = typename Net::value_type;
    using infer = program<Net, 1, false>;
    using train = program<Net, 32, true>;
    os << "Fusion plan: " << infer::G << " group" << (infer::G == 1 ? "" : "s") << " for "
       << Net::depth - 1 << " layers\n";
    [&]<std::size_t... g>(std::index_sequence<g...>) {
      auto one = [&]<std::size_t G>(std::integral_constant<std::size_t, G>) {
        constexpr auto grp = infer::groups[G];
        os << "  group " << G << ": ";
        [&]<std::size_t... i>(std::index_sequence<i...>) {
          std::size_t n = 0;
          ((i >= grp.head && i <= grp.last
                ? (os << (n++ ? " + " : "") << Net::template entry<i>::name(), 0)
                : 0),
           ...);
        }(std::make_index_sequence<Net::depth>{});
        os << "  ->  " << role_name(grp.kind) << ", output "
           << Net::template shape_after_t<grp.last>::to_string();
        if constexpr (grp.kind == fusion_role::contraction || grp.kind == fusion_role::elementwise) {
          os << "\n      forward:  y = " << expr::to_string(infer::template function<G>())
             << " of the " << (grp.kind == fusion_role::contraction ? "product" : "input");
          constexpr auto form = train::template form<G, loss_fusion::none>();
          os << "\n      backward: dz = dy * "
             << expr::to_string(train::template derivative_expr<G, loss_fusion::none>())
             << (form == derivative_form::identity      ? ""
                 : form == derivative_form::from_output ? "  (x = the output y: nothing else kept)"
                                                        : "  (x = the pre-activation z, kept)");
        }
        os << '\n';
      };
      (one(std::integral_constant<std::size_t, g>{}), ...);
    }(std::make_index_sequence<infer::G>{});
    os << "Inference buffers: 2 x " << infer::widest << " " << (sizeof(T) == 4 ? "float" : "double")
       << " (" << with_thousands(infer::offsets.total * sizeof(T)) << " bytes)\n";
    os << "Training workspace at batch 32: " << with_thousands(train::offsets.total * sizeof(T))
       << " bytes\n";
  }
}

}  // namespace nerve::detail
