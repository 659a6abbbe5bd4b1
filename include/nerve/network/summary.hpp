// nerve/network/summary.hpp: the Keras-like table of a network: index, layer, output shape,
// parameters, and totals.
#pragma once

#include <algorithm>  // std::max
#include <cstddef>    // std::size_t
#include <ostream>
#include <string>
#include <utility>    // std::index_sequence
#include <vector>

#include "nerve/layers/layer.hpp"     // nerve::parameter_count_of
#include "nerve/meta/type_list.hpp"  // nerve::meta::at

namespace nerve::detail {

// 101770 -> "101,770"
inline std::string with_thousands(std::size_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

struct summary_row {
  std::string index, name, shape, params;
};

template <class Net, std::size_t... I>
std::vector<summary_row> summary_rows(std::index_sequence<I...>) {
  std::vector<summary_row> rows;
  auto add = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
    using L = typename Net::template entry<J>;
    std::size_t params = 0;
    if constexpr (J > 0) {
      params = parameter_count_of<L, typename Net::value_type,
                                  typename Net::template shape_after_t<J - 1>>();
    }
    rows.push_back({std::to_string(J), L::name(), Net::template shape_after_t<J>::to_string(),
                    with_thousands(params)});
  };
  (add(std::integral_constant<std::size_t, I>{}), ...);
  return rows;
}

template <class Net>
void write_summary(std::ostream& os) {
  if constexpr (!Net::well_formed) {
    os << "(not a network)\n";
  } else {
    auto rows = summary_rows<Net>(std::make_index_sequence<Net::depth>{});
    summary_row head{"#", "Layer", "Output shape", "Params"};
    std::size_t w[4] = {head.index.size(), head.name.size(), head.shape.size(), head.params.size()};
    for (const auto& r : rows) {
      w[0] = std::max(w[0], r.index.size());
      w[1] = std::max(w[1], r.name.size());
      w[2] = std::max(w[2], r.shape.size());
      w[3] = std::max(w[3], r.params.size());
    }
    auto pad = [](const std::string& s, std::size_t width, bool right) {
      std::string fill(width - s.size(), ' ');
      return right ? fill + s : s + fill;
    };
    auto line = [&](const summary_row& r) {
      os << pad(r.index, w[0], true) << "  " << pad(r.name, w[1], false) << "  "
         << pad(r.shape, w[2], false) << "  " << pad(r.params, w[3], true) << '\n';
    };
    std::string rule(w[0] + w[1] + w[2] + w[3] + 6, '-');
    line(head);
    os << rule << '\n';
    for (const auto& r : rows) line(r);
    os << rule << '\n';
    constexpr std::size_t bytes = Net::parameter_count * sizeof(typename Net::value_type);
    os << "Total params: " << with_thousands(Net::parameter_count) << " ("
       << with_thousands((bytes + 1023) / 1024) << " KiB of "
       << (sizeof(typename Net::value_type) == 4 ? "float" : "double") << ")\n";
    os << "Input " << Net::input_shape_t::to_string() << " -> output "
       << Net::output_shape_t::to_string() << '\n';
    os << "Inference: " << with_thousands(Net::template inference_flops<1>) << " FLOPs, "
       << with_thousands(Net::template inference_bytes<1>) << " bytes of workspace at batch 1\n";
    os << "Training step at batch 32: " << with_thousands(Net::template training_flops<32>)
       << " FLOPs, " << with_thousands(Net::template training_bytes<32>)
       << " bytes of workspace and gradients\n";
  }
}

}  // namespace nerve::detail
