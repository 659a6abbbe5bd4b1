// nerve's optimizers against values computed by PyTorch's own optimizers (LibTorch 1.13's
// torch::optim, which implements torch.optim's formulas in C++), in double precision.
//
// The literals were generated once with the program below (python3-torch is not installed here;
// libtorch-dev is), built with:
//   g++ -std=c++17 gen.cpp -I/usr/include/torch/csrc/api/include -ltorch -ltorch_cpu -lc10
//   // Prints torch::optim results for nerve's optimizer tests (LibTorch 1.13, double precision).
//   #include <torch/torch.h>
//   #include <cmath>
//   #include <cstdio>
//   #include <functional>
//   #include <memory>
//   // params p0[i] = 0.5 cos(1.3 i), gradient at step k: g[i] = sin(0.7 i + 1.1 k) + 0.3 p[i]
//   template <class Make>
//   void run(const char* label, Make make) {
//     const int n = 5, steps = 4;
//     auto p = torch::empty({n}, torch::kFloat64);
//     for (int i = 0; i < n; ++i) p[i] = 0.5 * std::cos(1.3 * i);
//     p.set_requires_grad(true);
//     auto opt = make(std::vector<torch::Tensor>{p});
//     for (int k = 0; k < steps; ++k) {
//       opt->zero_grad();
//       torch::NoGradGuard g;
//       auto grad = torch::empty({n}, torch::kFloat64);
//       for (int i = 0; i < n; ++i)
//         grad[i] = std::sin(0.7 * i + 1.1 * k) + 0.3 * p[i].item<double>();
//       p.mutable_grad() = grad;
//       opt->step();
//     }
//     std::printf("// %s\n{", label);
//     for (int i = 0; i < n; ++i)
//       std::printf("%.17g%s", p[i].item<double>(), i + 1 < n ? ", " : "}\n");
//   }
//   int main() {
//     using namespace torch::optim;
//     run("SGD lr 0.1", [](auto ps) { return std::make_unique<SGD>(ps, SGDOptions(0.1)); });
//     run("SGD lr 0.1 momentum 0.9 dampening 0.2 weight_decay 0.05", [](auto ps) {
//       auto o = SGDOptions(0.1).momentum(0.9).dampening(0.2).weight_decay(0.05);
//       return std::make_unique<SGD>(ps, o); });
//     run("SGD lr 0.1 momentum 0.9 nesterov", [](auto ps) {
//       return std::make_unique<SGD>(ps, SGDOptions(0.1).momentum(0.9).nesterov(true)); });
//     run("Adam lr 0.01 betas (0.8, 0.95) eps 1e-6 weight_decay 0.1", [](auto ps) {
//       auto o = AdamOptions(0.01).betas({0.8, 0.95}).eps(1e-6).weight_decay(0.1);
//       return std::make_unique<Adam>(ps, o); });
//     run("Adam lr 0.001 defaults",
//         [](auto ps) { return std::make_unique<Adam>(ps, AdamOptions(0.001)); });
//     run("AdamW lr 0.01 betas (0.8, 0.95) eps 1e-6 weight_decay 0.1", [](auto ps) {
//       auto o = AdamWOptions(0.01).betas({0.8, 0.95}).eps(1e-6).weight_decay(0.1);
//       return std::make_unique<AdamW>(ps, o); });
//   }

#include <catch2/catch.hpp>

#include <nerve/optim/adam.hpp>
#include <nerve/optim/sgd.hpp>

#include <array>
#include <cmath>
#include <cstddef>

using namespace nerve;

namespace {

// Same inputs as gen.cpp: 5 parameters, 4 steps.
template <class O>
std::array<double, 5> run(const O& o) {
  Tensor<double, Shape<5>> p, g;
  typename O::template state<double, 5> s;
  for (std::size_t i = 0; i < 5; ++i) p(i) = 0.5 * std::cos(1.3 * double(i));
  for (int k = 0; k < 4; ++k) {
    for (std::size_t i = 0; i < 5; ++i) g(i) = std::sin(0.7 * double(i) + 1.1 * k) + 0.3 * p(i);
    o.update(p.data(), g.data(), s);
  }
  return {p(0), p(1), p(2), p(3), p(4)};
}

void check_close(const std::array<double, 5>& got, const std::array<double, 5>& torch) {
  for (std::size_t i = 0; i < 5; ++i) {
    INFO("element " << i);
    CHECK(got[i] == Approx(torch[i]).epsilon(1e-13).margin(1e-15));
  }
}

}  // namespace

TEST_CASE("SGD matches torch::optim::SGD", "[optim][sgd][torch]") {
  check_close(run(SGD{.learning_rate = 0.1}),
              {{0.29614312273564414, 0.02045512691366334, -0.38263149758820242,
                -0.22847714518091428, 0.35275757922410866}});
  check_close(
      run(SGD{.learning_rate = 0.1, .momentum = 0.9, .dampening = 0.2, .weight_decay = 0.05}),
      {{0.073350543117338685, -0.28542768829435999, -0.60774698160110963, -0.33100420229607597,
        0.36677406165286802}});
  check_close(run(SGD{.learning_rate = 0.1, .momentum = 0.9, .nesterov = true}),
              {{-0.12707912870285476, -0.36089365520225475, -0.51352461988448406,
                -0.14098032347734357, 0.53817520619420567}});
}

TEST_CASE("Adam and AdamW match torch::optim::Adam and AdamW", "[optim][adam][torch]") {
  check_close(
      run(Adam{
          .learning_rate = 0.01, .beta1 = 0.8, .beta2 = 0.95, .eps = 1e-6, .weight_decay = 0.1}),
      {{0.46440781943295623, 0.1025946341456848, -0.4451535314265897, -0.36621811827543332,
        0.23921246466260185}});
  check_close(run(Adam{.learning_rate = 0.001}),
              {{0.49652389698045651, 0.13052494952833027, -0.43046529641616516,
                -0.36365832263294862, 0.23468986860890881}});
  check_close(
      run(AdamW{
          .learning_rate = 0.01, .beta1 = 0.8, .beta2 = 0.95, .eps = 1e-6, .weight_decay = 0.1}),
      {{0.46305483462379887, 0.10229885566196784, -0.44461499334720889, -0.36604980082576477,
        0.23920103353914302}});
}
