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

/// Velocity sign factor of a mirror: reflections that would flip a tube's conserved angular
/// momentum are combined with time reversal, so every image keeps the orbit's sense of rotation.
inline int mirror_velocity_factor(const std::array<int, 3>& s, OrbitType type) {
  switch (type) {
    case OrbitType::XTube: return s[1] * s[2];
    case OrbitType::YTube: return s[0] * s[2];
    case OrbitType::ZTube: return s[0] * s[1];
    default: return 1;
  }
}

}  // namespace dynamite::orblib
