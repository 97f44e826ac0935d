// Orbit classification from the signs of the angular momentum along an orbit (the original's
// find_type), and the time averages stored per orbit for later analysis (the "orbclass" file).
#pragma once

#include <array>

#include "dynamite/orblib/orbit_samples.hpp"

namespace dynamite::orblib {

struct OrbitClassification {
  OrbitType type = OrbitType::Other;
  /// <Lx>, <Ly>, <Lz> (km^2/s), <r> (km), <(vx+vy+vz)^2> ((km/s)^2). The last is what the original
  /// stores (and its Python layer calls Vrms^2); kept so our files compare with old libraries.
  std::array<double, 5> averages{};
};

/// A component of L whose sign never changes along the orbit is conserved in sign: tubes around the
/// x axis keep sign(Lx) while Ly and Lz change sign; boxes change all three.
OrbitClassification classify_orbit(const OrbitSamples& samples);

}  // namespace dynamite::orblib
