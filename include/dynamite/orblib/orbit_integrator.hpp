// The orbit integrator of the library: DOP853 in a force field, sampling the orbit at requested
// times from the dense output (the library builder's OrbitIntegrator).
#pragma once

#include "dynamite/orblib/library_builder.hpp"
#include "dynamite/physics/potential.hpp"

namespace dynamite::orblib {

/// The orbit equations y' = (v, a(x)) for DOP853, one orbit (operator() with 3 arguments) or two
/// side by side (6 arguments, Potential::acceleration_pair). `forces` must outlive it.
struct OrbitRhs {
  const physics::Potential* forces;
  void operator()(double, const double* y, double* dy) const { fill(forces->acceleration({y[0], y[1], y[2]}), y, dy); }
  void operator()(double, const double* ya, double* dya, double, const double* yb, double* dyb) const {
    physics::Vec3 aa, ab;
    forces->acceleration_pair({ya[0], ya[1], ya[2]}, {yb[0], yb[1], yb[2]}, aa, ab);
    fill(aa, ya, dya);
    fill(ab, yb, dyb);
  }
  static void fill(const physics::Vec3& a, const double* y, double* dy) {
    dy[0] = y[3], dy[1] = y[4], dy[2] = y[5];
    dy[3] = a[0], dy[4] = a[1], dy[5] = a[2];
  }
};

/// `forces` must outlive the returned function. The step limit is the original's:
/// max(floor(orbital_periods / 200 / rtol), 100000).
OrbitIntegrator make_dop853_integrator(const physics::Potential& forces, double orbital_periods);
/// The same integrator for two orbits side by side (their evaluations go to the potential in pairs).
OrbitPairIntegrator make_dop853_pair_integrator(const physics::Potential& forces, double orbital_periods);

/// Binding energy psi(x) - v^2/2 from `direct` (which must outlive the returned function).
BindingEnergy make_binding_energy(const physics::Potential& direct);

}  // namespace dynamite::orblib
