// The gravitational potential seen by orbits: the interface every potential implements.
//
// Sign convention of the original DYNAMITE: psi = -Phi is the positive binding potential and the
// acceleration is a = grad(psi) = -grad(Phi). The binding energy of an orbit is E = psi(x) - v^2/2,
// positive for bound orbits. Units: km, km/s, so psi is in km^2/s^2 and a in km/s^2.
// Implementations are immutable after construction; every method is const and thread-safe.
#pragma once

#include <array>
#include <memory>

namespace dynamite::physics {

using Vec3 = std::array<double, 3>;

class Potential {
 public:
  virtual ~Potential() = default;
  /// Binding potential psi(x) = -Phi(x) > 0.
  virtual double psi(const Vec3& x) const = 0;
  /// Acceleration a(x) = grad psi.
  virtual Vec3 acceleration(const Vec3& x) const = 0;
  /// Accelerations at two independent points, equal to two acceleration() calls. Integrating two
  /// orbits side by side hands their evaluations over together, so that the processor can work on
  /// both at once; a potential may interleave them explicitly.
  virtual void acceleration_pair(const Vec3& xa, const Vec3& xb, Vec3& aa, Vec3& ab) const {
    aa = acceleration(xa);
    ab = acceleration(xb);
  }
};

using PotentialPtr = std::shared_ptr<const Potential>;

}  // namespace dynamite::physics
