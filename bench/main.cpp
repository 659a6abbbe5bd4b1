// bench/main.cpp: nerve_bench's main. Runs every registered "<workload>/<peer>" benchmark with
// repetitions, then prints one table: the median time of each peer per workload, each peer's
// ratio to nerve (to eigen while nerve is missing), the FMA peak and the share of it of the
// workloads whose FLOPs are counted.
//
// Medians, not means: the machine is shared and a repetition that another process interrupted
// is an outlier, not information. CPU time, not wall time, for the same reason.
#include <benchmark/benchmark.h>  // benchmark::Initialize, RunSpecifiedBenchmarks, reporters

#include <algorithm>  // std::sort, std::find
#include <cstdio>     // std::snprintf
#include <cstdlib>    // std::atoi
#include <cstring>    // std::strncmp
#include <iostream>
#include <map>
#include <memory>  // std::unique_ptr
#include <string>
#include <utility>  // std::pair
#include <vector>

#include "peers.hpp"           // verify_and_register_*, register_lstm_*, register_peak, ...
#include "workloads.hpp"       // workload_names, train_step_flops, lenet_*_flops
#include "workloads_lstm.hpp"  // LstmPeer, lstm_sequence_flops, lm_train_step_flops

namespace nerve::bench {
namespace {

// Defaults for this machine; any of them given on the command line wins (flags parse in order).
constexpr int default_repetitions = 9;
const std::vector<std::string> default_flags{
    "--benchmark_repetitions=" + std::to_string(default_repetitions),
    "--benchmark_min_time=0.2",
    "--benchmark_display_aggregates_only=true",
};

double to_ns(double t, benchmark::TimeUnit unit) {
  switch (unit) {
    case benchmark::kSecond: return t * 1e9;
    case benchmark::kMillisecond: return t * 1e6;
    case benchmark::kMicrosecond: return t * 1e3;
    case benchmark::kNanosecond: break;
  }
  return t;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Passes everything on to the reporter --benchmark_format asked for, and keeps the medians.
class Collector : public benchmark::BenchmarkReporter {
 public:
  explicit Collector(benchmark::BenchmarkReporter* display) : display_(display) {}

  bool ReportContext(const Context& context) override { return display_->ReportContext(context); }
  void ReportRuns(const std::vector<Run>& runs) override {
    display_->ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.error_occurred) continue;
      const std::string& name = r.run_name.function_name;
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name == "median") {
        median_ns_[name] = to_ns(r.GetAdjustedCPUTime(), r.time_unit);
        for (const auto& [key, value] : r.counters) median_counters_[name][key] = value;
      } else if (r.run_type == Run::RT_Iteration) {
        runs_ns_[name].push_back(to_ns(r.GetAdjustedCPUTime(), r.time_unit));
        for (const auto& [key, value] : r.counters) runs_counters_[name][key].push_back(value);
      }
    }
  }
  void Finalize() override { display_->Finalize(); }

  // Median CPU nanoseconds per call of "<workload>/<peer>", or a negative number if it did not run.
  double time_ns(const std::string& name) const {
    if (auto it = median_ns_.find(name); it != median_ns_.end()) return it->second;
    if (auto it = runs_ns_.find(name); it != runs_ns_.end()) return median(it->second);
    return -1;
  }
  // Median of a rate counter of "<workload>/<peer>" ("FLOPS", "BYTES"), or -1 if it did not run.
  double counter(const std::string& name, const std::string& key) const {
    if (auto it = median_counters_.find(name); it != median_counters_.end()) {
      if (auto c = it->second.find(key); c != it->second.end()) return c->second;
    }
    if (auto it = runs_counters_.find(name); it != runs_counters_.end()) {
      if (auto c = it->second.find(key); c != it->second.end()) return median(c->second);
    }
    return -1;
  }
  double flops(const std::string& name) const { return counter(name, "FLOPS"); }
  bool any() const { return !median_ns_.empty() || !runs_ns_.empty(); }

 private:
  std::unique_ptr<benchmark::BenchmarkReporter> display_;
  std::map<std::string, double> median_ns_;
  std::map<std::string, std::vector<double>> runs_ns_;
  std::map<std::string, std::map<std::string, double>> median_counters_;
  std::map<std::string, std::map<std::string, std::vector<double>>> runs_counters_;
};

std::string format_time(double ns) {
  char buf[32];
  if (ns < 0) return "n/a";
  std::snprintf(buf, sizeof buf, ns < 10'000 ? "%.3f us" : "%.1f us", ns / 1e3);
  return buf;
}
std::string format_ratio(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fx", r);
  return buf;
}

void print_times(const Collector& c, std::ostream& os, int repetitions,
                 const std::vector<std::string>& peers, const std::string& base) {
  os << "\n## nerve_bench: median CPU time per call, " << repetitions
     << " repetitions (lower is better)\n\n| workload |";
  for (const auto& p : peers) os << ' ' << p << " |";
  for (const auto& p : peers)
    if (p != base && !base.empty()) os << ' ' << p << " / " << base << " |";
  os << "\n|---|";
  for (std::size_t k = 0; k < peers.size(); ++k) os << "---:|";
  for (const auto& p : peers)
    if (p != base && !base.empty()) os << "---:|";
  os << '\n';
  for (const std::string& w : workload_names()) {
    bool ran = false;
    for (const auto& p : peers) ran = ran || c.time_ns(w + "/" + p) >= 0;
    if (!ran) continue;
    os << "| " << w << " |";
    for (const auto& p : peers) os << ' ' << format_time(c.time_ns(w + "/" + p)) << " |";
    const double b = base.empty() ? -1 : c.time_ns(w + "/" + base);
    for (const auto& p : peers) {
      if (p == base || base.empty()) continue;
      const double t = c.time_ns(w + "/" + p);
      os << ' ' << (t > 0 && b > 0 ? format_ratio(t / b) : "-") << " |";
    }
    os << '\n';
  }
}

// The ceiling, and how close the training steps and the LeNet come to it.
void print_peak(const Collector& c, std::ostream& os, const std::vector<std::string>& peers) {
  // The workloads whose FLOPs are counted (workloads.hpp), in table order.
  const std::vector<std::pair<std::string, double>> counted{
      {"W3b32", train_step_flops(32)},
      {"W3b1", train_step_flops(1)},
      {"W4", lenet_forward_flops()},
      {"W4b32", lenet_train_step_flops(lenet_batch)},
      {"W5seq64", lstm_sequence_flops()},
      {"W6", lm_train_step_flops()},
  };
  bool any = false;
  for (const auto& [w, flops] : counted) {
    for (const auto& p : peers) any = any || c.time_ns(w + "/" + p) > 0;
  }
  double peak = c.flops("peak/fma") / 1e9;
  const char* how = "median of the peak/fma benchmark";
  if (peak <= 0) {
    peak = measure_fma_peak_gflops(0.5);
    how = "best of 0.5 s, peak/fma was filtered out";
  }
  char buf[768];
  std::snprintf(buf, sizeof buf, "\nFMA peak, one core (%s): %.1f GFLOP/s (%s)\n",
                fma_peak_description(), peak, how);
  os << buf;
  // The L2 floor under W5h128 (and each of W5seq64's steps), when peak/l2_read ran.
  if (const double bytes_per_s = c.counter("peak/l2_read", "BYTES"); bytes_per_s > 0) {
    std::snprintf(buf, sizeof buf,
                  "L2 read, one core: %.1f GB/s (median of peak/l2_read, a GEMV's loads over "
                  "W5h128's %.0f bytes of weights): a W5h128 step takes at least %.3f us\n",
                  bytes_per_s / 1e9, l2_read_bytes_per_call(),
                  l2_read_bytes_per_call() / bytes_per_s * 1e6);
    os << buf;
  }
  if (!any) return;
  os << "\n| workload | peer | GFLOP/s | % of peak |\n|---|---|---:|---:|\n";
  for (const auto& [w, flops] : counted) {
    for (const auto& p : peers) {
      const double t = c.time_ns(w + "/" + p);
      if (t <= 0) continue;
      const double gflops = flops / t;  // FLOP per ns == GFLOP/s
      std::snprintf(buf, sizeof buf, "| %s | %s | %.1f | %.1f%% |\n", w.c_str(), p.c_str(), gflops,
                    100.0 * gflops / peak);
      os << buf;
    }
  }
  std::snprintf(buf, sizeof buf,
                "\n(W3 counts %.0f FLOP per sample: forward, dW2, dh, dW1 as multiply-adds x 2. "
                "W4 counts %.0f per image; W4b32 %.0f per image: forward, every weight gradient, "
                "every input gradient but conv 1's. W5seq64 counts %.0f: 64 x the 4H x (I + H) "
                "product. W6 counts %.0f per step: W_hh h and W_out h forward, dW_out, W_out^T dy, "
                "dW_hh and W_hh^T dz backward, at all 512 positions; the one-hot input product "
                "is a gather, not counted.)\n",
                train_step_flops(1), lenet_forward_flops(), lenet_train_step_flops(1),
                lstm_sequence_flops(), lm_train_step_flops());
  os << buf;
}

void print_table(const Collector& c, std::ostream& os, int repetitions) {
  // Peers in a fixed order: nerve first, then the others as they ran.
  std::vector<std::string> peers;
  for (const char* p : {"nerve", "eigen", "torch"}) {
    for (const std::string& w : workload_names()) {
      if (c.time_ns(w + "/" + p) >= 0) {
        peers.push_back(p);
        break;
      }
    }
  }
  const bool have_nerve = !peers.empty() && peers.front() == "nerve";
  const bool have_eigen = std::find(peers.begin(), peers.end(), "eigen") != peers.end();
  const std::string base = have_nerve ? "nerve" : have_eigen ? "eigen" : "";

  if (peers.empty()) {
    os << "\nNo workload ran (filtered out, or no peer is built).\n";
  } else {
    print_times(c, os, repetitions, peers, base);
  }
  // Rows nerve has no entry for yet (n/a in its column): the other peers' ratios to eigen.
  if (have_nerve && have_eigen) {
    bool first = true;
    for (const std::string& w : workload_names()) {
      const double e = c.time_ns(w + "/eigen");
      if (c.time_ns(w + "/nerve") >= 0 || e <= 0) continue;
      for (const auto& p : peers) {
        const double t = c.time_ns(w + "/" + p);
        if (p == "nerve" || p == "eigen" || t <= 0) continue;
        os << (first ? "\nWithout a nerve row (n/a), ratios to eigen: " : ", ") << w << ' ' << p
           << " / eigen " << format_ratio(t / e);
        first = false;
      }
    }
    if (!first) os << ".\n";
  }
  if (!have_nerve && !peers.empty()) {
    os << "\nnerve did not run (workloads_nerve.cpp is not built yet, or the filter left it "
          "out): ratios are to "
       << (base.empty() ? "nothing" : base) << ".\n";
  }
  print_peak(c, os, peers);
}

}  // namespace
}  // namespace nerve::bench

int main(int argc, char** argv) {
  using namespace nerve::bench;
  // Our defaults first, then the user's flags, which override them.
  std::vector<std::string> storage(default_flags);
  std::vector<char*> args{argv[0]};
  for (auto& s : storage) args.push_back(s.data());
  for (int k = 1; k < argc; ++k) args.push_back(argv[k]);
  int repetitions = default_repetitions;
  for (int k = 1; k < argc; ++k) {
    if (std::strncmp(argv[k], "--benchmark_repetitions=", 24) == 0) {
      repetitions = std::atoi(argv[k] + 24);
    }
  }
  int n = int(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;

  register_peak();
#ifdef NERVE_BENCH_HAVE_NERVE
  verify_and_register_nerve();
  verify_and_register_lenet_nerve();
#endif
#ifdef NERVE_BENCH_HAVE_EIGEN
  verify_and_register_eigen();
  verify_and_register_lenet_eigen();
#endif
#ifdef NERVE_BENCH_HAVE_TORCH
  verify_and_register_torch();
  verify_and_register_lenet_torch();
#endif
  // The LSTM rows: each peer registers them and returns what the cross-check runs; the first
  // peer in this list is the one the others are compared with.
  std::vector<LstmPeer> lstm_peers;
  const auto add_lstm_peer = [&](LstmPeer p) {
    if (p.name != nullptr) lstm_peers.push_back(p);
  };
#ifdef NERVE_BENCH_HAVE_EIGEN
  add_lstm_peer(register_lstm_eigen());
#endif
#ifdef NERVE_BENCH_HAVE_TORCH
  add_lstm_peer(register_lstm_torch());
#endif
#ifdef NERVE_BENCH_HAVE_NERVE
  add_lstm_peer(register_lstm_nerve());  // nothing until workloads_lstm_nerve.cpp is written
#endif
  (void)add_lstm_peer;
  cross_check_lstm(lstm_peers);

  benchmark::BenchmarkReporter* display = benchmark::CreateDefaultDisplayReporter();
  // The table goes where it does not break a machine-readable format.
  const bool console = dynamic_cast<benchmark::ConsoleReporter*>(display) != nullptr;
  Collector collector(display);
  benchmark::RunSpecifiedBenchmarks(&collector);
  if (collector.any()) print_table(collector, console ? std::cout : std::cerr, repetitions);
  benchmark::Shutdown();
}
