// Sampled phase-space points of one integrated orbit: what the integrator hands to the observers.
//
// Structure of arrays (km, km/s) so the observers' loops over samples vectorise. The orbit type
// (from OrbitClassifier) decides how the 8 mirror images of an orbit are formed.
#pragma once

#include <array>
#include <cstddef>
#include <vector>

namespace dynamite::orblib {

struct OrbitSamples {
  std::vector<double> x, y, z, vx, vy, vz;

  void resize(std::size_t n) {
    for (auto* v : {&x, &y, &z, &vx, &vy, &vz}) v->resize(n);
  }
  std::size_t size() const { return x.size(); }
};

/// Orbit families of the original (its find_type codes).
enum class OrbitType : int { XTube = 1, YTube = 2, ZTube = 3, Box = 4, Other = 5 };

/// The 8 reflections used to symmetrise every orbit, in the original's order:
/// position signs +++, -++, --+, +-+, ++-, -+-, ---, +--.
inline constexpr std::array<std::array<int, 3>, 8> kMirrorSigns{{{+1, +1, +1},
                                                                 {-1, +1, +1},
                                                                 {-1, -1, +1},
                                                                 {+1, -1, +1},
                                                                 {+1, +1, -1},
                                                                 {-1, +1, -1},
                                                                 {-1, -1, -1},
                                                                 {+1, -1, -1}}};

/// The two position axes whose signs give a tube's mirror velocity factor (the axes across its
/// rotation axis); {-1, -1} for boxes and other orbits, whose velocities simply follow the mirror.
inline std::array<int, 2> tube_sign_axes(OrbitType type) {
  switch (type) {
    case OrbitType::XTube: return {1, 2};
    case OrbitType::YTube: return {0, 2};
    case OrbitType::ZTube: return {0, 1};
    default: return {-1, -1};
  }
}

/// Velocity sign factor of a mirror: reflections that would flip a tube's conserved angular
/// momentum are combined with time reversal, so every image keeps the orbit's sense of rotation.
inline int mirror_velocity_factor(const std::array<int, 3>& s, OrbitType type) {
  const auto [a, b] = tube_sign_axes(type);
  return a < 0 ? 1 : s[a] * s[b];
}

}  // namespace dynamite::orblib
