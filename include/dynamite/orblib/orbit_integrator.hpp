// The orbit integrator of the library: DOP853 in a force field, sampling the orbit at requested
// times from the dense output (the library builder's OrbitIntegrator).
#pragma once

#include "dynamite/orblib/library_builder.hpp"
#include "dynamite/physics/potential.hpp"

namespace dynamite::orblib {

/// `forces` must outlive the returned function. The step limit is the original's:
/// max(floor(orbital_periods / 200 / rtol), 100000).
OrbitIntegrator make_dop853_integrator(const physics::Potential& forces, double orbital_periods);
/// The same integrator for two orbits side by side (their evaluations go to the potential in pairs).
OrbitPairIntegrator make_dop853_pair_integrator(const physics::Potential& forces, double orbital_periods);

/// Binding energy psi(x) - v^2/2 from `direct` (which must outlive the returned function).
BindingEnergy make_binding_energy(const physics::Potential& direct);

}  // namespace dynamite::orblib
