// The regularisation of the original's Fortran weight solver (triaxnnls, used by LegacyWeightSolver
// with `regularisation` > 0; dynamite-python-layer.md §5.10): extra rows of the linear system that ask
// the second difference of the weights along each integral of motion (E, I2, I3) to vanish, each
// weight divided by the mass of its energy shell. The original's neighbourhood is more than a plain
// grid: the counter-rotating tube copies continue the tubes through I2 = 0, the boxes continue the
// tubes beyond their outermost I3 (in reversed order), and the outermost reversed tubes continue into
// the boxes as well; tubes flagged "not regularised" (thin long-axis tubes at the box border) start no
// I3 triplet.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "dynamite/orblib/orbit_library.hpp"
#include "dynamite/weights/linear_system.hpp"

namespace dynamite::weights {

/// Three system columns (orbits) whose weights' second difference is regularised: left, centre, right.
using RegularisationTriplet = std::array<int, 3>;

/// The triplets in the original's order: for each column, its E, I2 and I3 triplets (the I3 one only
/// when neither the centre nor the left neighbour is "not regularised"), then the I3 triplets that join
/// the outermost counter-rotating tubes to the boxes. Columns as in linear_system.hpp.
std::vector<RegularisationTriplet> regularisation_triplets(const orblib::OrbitLibrary& lib);

struct RegularisationSettings {
  /// The config's `regularisation` (> 0). It sets the rows' error, sqrt(value / (2 nE nI2 nI3)), so a
  /// smaller value smooths more.
  double value = 0;
  /// The original perturbs every row's target by up to 5e-6 of its error and every coefficient by up
  /// to 0.5 % to keep its solver away from singular matrices; we do the same (with our own
  /// deterministic generator, so the same system every run) unless this is false.
  bool perturb = true;
};

/// Append one row per triplet to `sys`: coefficients (-1/m_E(left), 2/m_E(centre), -1/m_E(right))
/// over the error, target ~0, where m_E are `energy_masses` (radial_shell_masses, one per energy).
/// The rows come after the kinematic rows, so kinchi2 includes them, as in the original's Legacy chi2.
void append_regularisation_rows(LinearSystem& sys, const orblib::OrbitLibrary& lib,
                                const std::vector<double>& energy_masses, const RegularisationSettings& s);

}  // namespace dynamite::weights
