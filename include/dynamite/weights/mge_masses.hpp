// The masses the orbit weights must reproduce, computed from the light MGE: the fraction of the
// total mass in every cell of the intrinsic polar grid (deprojected MGE, §4.10 of the python-layer
// reference) and in every aperture of every kinematic set, seen through its PSF (§4.9). Both are
// independent of ml.
#pragma once

#include <vector>

#include "dynamite/io/kinematics.hpp"
#include "dynamite/io/mge.hpp"
#include "dynamite/orblib/orbit_library.hpp"
#include "dynamite/physics/deprojection.hpp"
#include "dynamite/weights/linear_system.hpp"

namespace dynamite::weights {

/// Aperture masses of one kinematic set (fractions of the total MGE mass), bin order.
std::vector<double> aperture_masses(const io::Mge& mge, const io::KinematicSet& set);

/// Intrinsic-grid masses (phi fastest, then theta, then r), for the MGE deprojected at `angles`.
/// `arcsec_to_km` converts the MGE widths to the grid's km.
std::vector<double> intrinsic_masses(const io::Mge& mge, const physics::ViewingAngles& angles,
                                     const orblib::IntrinsicGridSpec& grid, double arcsec_to_km);

/// Both, for all kinematic sets.
ObservedMasses observed_masses(const io::Mge& mge, const std::vector<io::KinematicSet>& sets,
                               const physics::ViewingAngles& angles, const orblib::IntrinsicGridSpec& grid,
                               double arcsec_to_km);

}  // namespace dynamite::weights
