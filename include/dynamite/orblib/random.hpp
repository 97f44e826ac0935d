// Random numbers of the orbit library, keyed by orbit identity.
//
// The original draws every random number from one global stream, so a library depends on the order
// in which orbits run. Here each (seed, stream, bundle, member, attempt) gets its own generator
// (xoshiro256** seeded through splitmix64), so a library is bit-identical whatever the number of
// MPI ranks and the order of the orbits.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>

namespace dynamite::orblib {

class OrbitRng {
 public:
  /// A generator for the stream identified by `keys` under the library seed.
  OrbitRng(std::uint64_t seed, std::initializer_list<std::uint64_t> keys) {
    std::uint64_t h = splitmix(seed ^ 0x6a09e667f3bcc909ULL);
    for (std::uint64_t k : keys) h = splitmix(h ^ splitmix(k + 0x9e3779b97f4a7c15ULL));
    for (auto& w : s_) w = splitmix(h);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// Uniform deviate in the open interval (0, 1).
  double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }

  /// Two independent standard normal deviates (Marsaglia's polar method, in double precision).
  void gaussian_pair(double& g1, double& g2) {
    double v1, v2, rho;
    do {
      v1 = 2 * uniform() - 1;
      v2 = 2 * uniform() - 1;
      rho = v1 * v1 + v2 * v2;
    } while (rho >= 1.0 || rho == 0.0);
    const double f = std::sqrt(-2.0 * std::log(rho) / rho);
    g1 = v1 * f;
    g2 = v2 * f;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  static std::uint64_t splitmix(std::uint64_t&& v) {
    std::uint64_t s = v;
    return splitmix(s);
  }
  std::uint64_t s_[4];
};

/// Streams of the library (the first key of an OrbitRng).
enum class RngStream : std::uint64_t { SamplingPhase = 1, Psf = 2, PsfTable = 3 };

}  // namespace dynamite::orblib
