// nerve/network/explain.hpp: the fusion plan as text: which entries run as one loop, how each
// group's backward pass gets its derivative, and the buffers inference and training use.
#pragma once

#include <cstddef>  // std::size_t
#include <ostream>
#include <string>
#include <utility>  // std::index_sequence

#include "nerve/expr/print.hpp"       // nerve::expr::to_string
#include "nerve/network/execute.hpp"  // nerve::detail::network_pass
#include "nerve/network/summary.hpp"  // nerve::detail::with_thousands

namespace nerve::detail {

inline const char* role_name(fusion_role r) {
  switch (r) {
    case fusion_role::contraction: return "fused kernel";
    case fusion_role::elementwise: return "element-wise pass";
    case fusion_role::reshape: return "view (no work)";
    case fusion_role::general: return "own pass";
    default: return "input";
  }
}

inline const char* scalar_name(std::size_t bytes) { return bytes == 4 ? "float" : "double"; }

// Each group's share of the inference and training memory, then the totals.
template <class Net, class Infer, class Train>
void write_memory_plan(std::ostream& os) {
  using T = typename Net::value_type;
  constexpr auto& in = Infer::offsets;
  constexpr auto& tr = Train::offsets;
  os << "Memory plan (bytes; inference at batch 1, training at batch 32):\n";
  [&]<std::size_t... g>(std::index_sequence<g...>) {
    auto one = [&]<std::size_t G>(std::integral_constant<std::size_t, G>) {
      constexpr auto grp = Infer::groups[G];
      constexpr std::size_t out = Train::template is_view<G> ? 0 : 32 * Train::template ld_out<G>;
      constexpr std::size_t z = Train::template keeps_z<G> ? 32 * Train::template ld_out<G> : 0;
      os << "  group " << G << " (" << Net::template entry<grp.head>::name() << "): "
         << "inference scratch " << with_thousands(Infer::template request<G>.scratch * sizeof(T))
         << "; training output " << with_thousands(out * sizeof(T));
      if constexpr (z > 0) os << ", pre-activation " << with_thousands(z * sizeof(T));
      os << ", kept " << with_thousands(tr.kept_size[G] * sizeof(T)) << ", scratch "
         << with_thousands(Train::template request<G>.scratch * sizeof(T)) << '\n';
    };
    (one(std::integral_constant<std::size_t, g>{}), ...);
  }(std::make_index_sequence<Infer::G>{});
  os << "Inference workspace: 2 x " << Infer::widest << " " << scalar_name(sizeof(T))
     << " ping-pong rows + " << with_thousands(in.scratch_size * sizeof(T)) << " shared scratch";
  if constexpr (in.carry_total > 0)
    os << " + " << with_thousands(in.carry_total * sizeof(T)) << " carried state";
  os << " = " << with_thousands(Infer::bytes) << " bytes\n";
  os << "Training workspace at batch 32: activations " << with_thousands(tr.activations * sizeof(T))
     << " + kept " << with_thousands(tr.kept_total * sizeof(T)) << " + gradient rows "
     << with_thousands(2 * Train::rows_size * sizeof(T)) << " + shared scratch "
     << with_thousands(tr.scratch_size * sizeof(T));
  if constexpr (tr.carry_total > 0)
    os << " + carried state " << with_thousands(tr.carry_total * sizeof(T));
  os << " = " << with_thousands(Train::bytes) << " bytes\n";
}

template <class Net>
void write_explain(std::ostream& os) {
  if constexpr (!Net::well_formed) {
    os << "(not a network)\n";
  } else {
    using infer = network_pass<Net, 1, mode::inference>;
    using train = network_pass<Net, 32, mode::training>;
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
        os << "  ->  " << role_name(grp.kind);
        if constexpr (infer::template is_view<G> && grp.kind != fusion_role::reshape) {
          os << " in training, a view at inference";
        }
        if constexpr (infer::template folded_into_previous<G>) {
          os << " in training; at inference inside group " << G - 1 << "'s output pass";
        }
        os << ", output " << Net::template shape_after_t<grp.last>::to_string();
        if constexpr (grp.kind == fusion_role::contraction || grp.kind == fusion_role::elementwise) {
          os << "\n      forward:  y = " << expr::to_string(infer::template function<G>())
             << " of the " << (grp.kind == fusion_role::contraction ? "product" : "input");
          if constexpr (infer::template pools_next<G>) {
            os << "; at inference each plane of y is pooled by group " << G + 1
               << " while in the kernel's scratch (never written out)";
          }
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
    write_memory_plan<Net, infer, train>(os);
  }
}

}  // namespace nerve::detail
