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

/// Fraction of the total mass in each of `n_energies` spherical shells, the original's
/// datfil/mass_radmass.dat: shell i (1-based) spans the radii 10^(lmin + (lmax - lmin)(i - 2)/(n - 1)) km
/// to the next such radius, the first shell starting at 0 and the last ending at 100 10^lmax, with
/// lmin, lmax = `logrmin`, `logrmax` (log10 arcsec) converted to km. The Fortran solver divides its
/// regularisation rows by these masses, one per energy of the start space.
std::vector<double> radial_shell_masses(const io::Mge& mge, const physics::ViewingAngles& angles, int n_energies,
                                        double logrmin, double logrmax, double arcsec_to_km);

/// Both, for all kinematic sets.
ObservedMasses observed_masses(const io::Mge& mge, const std::vector<io::KinematicSet>& sets,
                               const physics::ViewingAngles& angles, const orblib::IntrinsicGridSpec& grid,
                               double arcsec_to_km);

}  // namespace dynamite::weights
