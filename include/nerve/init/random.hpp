// nerve/init/random.hpp: the random numbers of initialisation and shuffling. nerve draws its own
// (xoshiro256** seeded by splitmix64, uniform from the top mantissa bits, normal by Box-Muller)
// so that a seed gives the same weights with every standard library.
#pragma once

#include <cmath>    // std::log, std::sqrt, std::cos
#include <cstdint>  // std::uint64_t
#include <numbers>  // std::numbers::pi
#include <utility>  // std::swap

namespace nerve {

// The seed of a network's initialisation or of a trainer's shuffling: Network net{Seed{42}}.
struct Seed {
  std::uint64_t value = 0;
};

class Random {
 public:
  explicit Random(Seed seed) noexcept {
    std::uint64_t s = seed.value;
    for (auto& word : state_) word = splitmix64(s);
  }

  // An independent stream for (seed, stream, counter): the random numbers of one layer at one
  // training step. The same three numbers give the same bits on every run, and no stream depends
  // on how many numbers another one drew.
  Random(Seed seed, std::uint64_t stream, std::uint64_t counter) noexcept {
    std::uint64_t s = seed.value;
    std::uint64_t mix = splitmix64(s);
    mix ^= stream * 0xD1B54A32D192ED03ull;
    mix = splitmix64(mix);
    mix ^= counter * 0x9E3779B97F4A7C15ull;
    for (auto& word : state_) word = splitmix64(mix);
  }

  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double low, double high) noexcept { return low + (high - low) * uniform(); }

  // Standard normal.
  double normal() noexcept {
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

  // Uniform integer in [0, n), without modulo bias (Lemire's method).
  std::uint64_t below(std::uint64_t n) noexcept {
    std::uint64_t high = 0;
    std::uint64_t low = multiply(next(), n, high);
    if (low < n) {
      const std::uint64_t threshold = -n % n;
      while (low < threshold) low = multiply(next(), n, high);
    }
    return high;
  }

  // Fisher-Yates shuffle of [first, first + n).
  template <class It>
  void shuffle(It first, std::uint64_t n) noexcept {
    for (std::uint64_t i = n; i > 1; --i) {
      const std::uint64_t j = below(i);
      std::swap(first[i - 1], first[j]);
    }
  }

 private:
  // The 128-bit product a * b as (high, returned low), in standard C++.
  static std::uint64_t multiply(std::uint64_t a, std::uint64_t b, std::uint64_t& high) noexcept {
    const std::uint64_t a_lo = a & 0xFFFFFFFFu, a_hi = a >> 32;
    const std::uint64_t b_lo = b & 0xFFFFFFFFu, b_hi = b >> 32;
    const std::uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi;
    const std::uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xFFFFFFFFu) + lo_hi;
    high = a_hi * b_hi + (hi_lo >> 32) + (cross >> 32);
    return (cross << 32) | (lo_lo & 0xFFFFFFFFu);
  }

  static std::uint64_t splitmix64(std::uint64_t& s) noexcept {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

  std::uint64_t state_[4];
};

}  // namespace nerve
