// bench/peers.hpp: what each peer's translation unit gives main.cpp.
//
// Each peer lives in its own translation unit (LibTorch's headers alone take a minute to
// compile), checks itself against bench/reference.hpp, then registers its benchmarks under the
// names "<workload>/<peer>".
#pragma once

#include <vector>

namespace nerve::bench {

struct LstmPeer;  // workloads_lstm.hpp

// Abort with a message when the peer computes something else than the reference.
void verify_and_register_eigen();  // workloads_eigen.cpp (NERVE_BENCH_EIGEN)
void verify_and_register_torch();  // workloads_torch.cpp (NERVE_BENCH_TORCH)
void verify_and_register_nerve();  // workloads_nerve.cpp (once nerve's Network/Trainer exist)
// The LeNet rows (W4, W4b32), one translation unit per peer: workloads_lenet_<peer>.cpp.
void verify_and_register_lenet_eigen();  // NERVE_BENCH_EIGEN
void verify_and_register_lenet_torch();  // NERVE_BENCH_TORCH
void verify_and_register_lenet_nerve();  // registers nothing while nerve has no Conv2D/MaxPool

// The LSTM rows (W5h32, W5h128, W5seq64, W6), one translation unit per peer:
// workloads_lstm_<peer>.cpp. Each registers its four benchmarks and returns what the start-up
// cross-check runs (LstmPeer, workloads_lstm.hpp); they are checked against each other, not
// against reference.hpp.
LstmPeer register_lstm_eigen();  // NERVE_BENCH_EIGEN
LstmPeer register_lstm_torch();  // NERVE_BENCH_TORCH
LstmPeer register_lstm_nerve();  // returns an LstmPeer without a name until nerve's LSTM is in
// Runs every peer given on the same parameters and data (torch's own initialisation when the torch
// peer is among them) and stops the program when one differs from the first by more than 1e-4
// (lstm_cross_check.cpp).
void cross_check_lstm(const std::vector<LstmPeer>& peers);

// "peak/fma": the single-core FMA throughput the workloads are compared with, and
// "peak/l2_read": the rate one core reads its L2 at (peak.cpp).
void register_peak();
// The same measurement outside Google Benchmark, for a run whose filter left peak/fma out.
double measure_fma_peak_gflops(double seconds);
// "AVX-512, 16 accumulators": what the peak loop was compiled for.
const char* fma_peak_description();
// Floating-point operations done by one call of the kernel that peak/fma times.
double fma_flops_per_call();
// "peak/l2_read": bytes read by one call of its kernel (W5h128's weights, from L2).
double l2_read_bytes_per_call();

}  // namespace nerve::bench
