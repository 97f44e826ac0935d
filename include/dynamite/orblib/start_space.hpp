// Orbit start conditions (the original's orbitstart): the energy grid, the tube start space between
// the thin short-axis tubes (inner boundary) and the thin long-axis tubes or the equipotential
// (outer boundary), and the box start space dropped from rest on the equipotential.
//
// Energies come from the direct potential, auxiliary orbits (classification, tube widths) are
// integrated with DOP853 (rtol 1e-4, atol 1e-8) in the fast force field, as in the original. The
// shells are computed in order because the thin-tube search of shell i starts from the relative
// radius found for shell i-1 (as the original); every start point of a finished start space is
// independent of every other.
#pragma once

#include <filesystem>
#include <vector>

#include "dynamite/orblib/library_builder.hpp"
#include "dynamite/physics/potential.hpp"

namespace dynamite::orblib {

struct StartSpaceSettings {
  int nE = 0, nI2 = 0, nI3 = 0, dithering = 1;  ///< undithered sizes, as in the config
  double logrmin_km = 0, logrmax_km = 0;          ///< log10 of the radial range in km
  bool triaxial = true;       ///< max T > 0.01 or min T > 0.99 over the deprojected Gaussians
  /// The original also flags energy 1 as "noreg" whenever any energy is irregular (a bug: the
  /// comment says the last irregular energy). Off by default; on to reproduce old libraries.
  bool reproduce_noreg_bug = false;
};

struct StartSpace {
  int nE = 0, nI2 = 0, nI3 = 0;  ///< dithered sizes
  std::vector<StartPoint> tubes, boxes;
  std::vector<int> irregular;    ///< per energy (dithered), 1 = irregular
};

/// `direct` gives psi (energies, equipotentials); `forces` integrates the auxiliary orbits.
StartSpace compute_start_space(const physics::Potential& direct, const physics::Potential& forces,
                               const StartSpaceSettings& s);

/// Write the original's begin.dat / beginbox.dat (line "nE nI2 nI3", then (3I5, 9ES30.10, I4)).
void write_begin_file(const std::filesystem::path& file, int nE, int nI2, int nI3,
                      const std::vector<StartPoint>& points);
/// Read a begin file of the original (for comparisons and to reuse old start spaces).
std::vector<StartPoint> read_begin_file(const std::filesystem::path& file, int* nE = nullptr, int* nI2 = nullptr,
                                        int* nI3 = nullptr);

}  // namespace dynamite::orblib
