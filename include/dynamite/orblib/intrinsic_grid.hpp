// The intrinsic moment grid ("qgrid") observer: accumulates, for every orbit bundle, the mass and
// the first and second velocity moments in cells of a polar grid (r, theta from z, phi from x)
// covering the positive octant. Every sample is folded into x > 0, y >= 0, z > 0 by the mirror that
// takes it there; its velocity gets that mirror's orbit-type dependent sign.
#pragma once

#include <span>
#include <vector>

#include "dynamite/orblib/orbit_library.hpp"
#include "dynamite/orblib/orbit_samples.hpp"

namespace dynamite::orblib {

/// The original's grid edges (km, rad): r_0 = 0, log-spaced interior edges between the library's
/// inner radius and half its outer radius, and an outer edge far outside (it does not bound the
/// last cell: samples beyond it are counted there).
/// `logrmin`, `logrmax`: log10 of the radii in arcsec (orblib_settings); `max_sigma_obs_arcsec`:
/// largest MGE sigma.
IntrinsicGridSpec make_intrinsic_grid(double logrmin, double logrmax, double arcsec_to_km, int nr,
                                      int nth, int nph, double max_sigma_obs_arcsec);

class IntrinsicGridObserver {
 public:
  explicit IntrinsicGridObserver(IntrinsicGridSpec spec);

  const IntrinsicGridSpec& spec() const { return spec_; }
  std::size_t accumulator_size() const {
    return static_cast<std::size_t>(spec_.n_cells()) * kMoments;
  }
  /// Cell index (r slowest, phi fastest) of a point in the positive octant.
  int cell_of(double ax, double ay, double az) const;
  /// Add the samples of one member orbit to a bundle accumulator of accumulator_size() doubles.
  void accumulate(const OrbitSamples& samples, OrbitType type, std::span<double> acc) const;
  /// Turn sums into the stored moments: cell means for moments 1-12, fractions of all
  /// `total_samples` of the bundle for the density (0) and the type counters (13-15).
  void finalize(std::span<double> acc, double total_samples) const;

 private:
  static constexpr std::size_t kBlock = 256;
  struct FoldedBlock;
  void locate_block(FoldedBlock& f, std::size_t n) const;

  IntrinsicGridSpec spec_;
  std::vector<double> r2_interior_, tan2th_interior_, tanph_interior_;
};

}  // namespace dynamite::orblib
