// From a configuration and a parameter set to the objects that compute a model: the potential
// specification (as the original's parameters_pot.in would hold it), the direct potential and the
// fast force field, the start-space settings, and the orbit-library builder with its observers.
// This is the only place where config and physics meet.
#pragma once

#include <memory>
#include <vector>

#include "dynamite/config/config.hpp"
#include "dynamite/orblib/library_builder.hpp"
#include "dynamite/orblib/start_space.hpp"
#include "dynamite/physics/force_field.hpp"
#include "dynamite/physics/galaxy_potential.hpp"

namespace dynamite::driver {

/// The potential of parameter set `raw` (raw values in parameter-space order). With
/// `legacy_rounding` the MGE and the viewing angles are rounded as the original writes them into
/// parameters_pot.in (MGE "%10.2f %10.5f %10.5f %10.2f", angles to 9 decimals), so that our orbits
/// start where the original's do.
physics::GalaxyPotentialSpec potential_spec(const config::Config& cfg, const std::vector<double>& raw,
                                            bool legacy_rounding = true);

struct ModelPhysics {
  physics::GalaxyPotentialSpec spec;
  std::shared_ptr<const physics::GalaxyPotential> direct;
  std::shared_ptr<const physics::InterpolatedForceField> forces;
  orblib::StartSpaceSettings start;
};

/// Build the potential, the force field and the start-space settings of a parameter set.
ModelPhysics model_physics(const config::Config& cfg, const std::vector<double>& raw);

/// The library builder of a model (observers for every kinematic set, DOP853 in the force field).
/// `physics` must outlive the builder.
orblib::LibraryBuilder library_builder(const config::Config& cfg, const ModelPhysics& physics,
                                       std::uint64_t seed);

/// The seed of the library: random_seed if > 0, otherwise drawn (and to be recorded by the caller).
std::uint64_t library_seed(const config::Config& cfg);

}  // namespace dynamite::driver
