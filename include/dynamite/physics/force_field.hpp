// A fast, accurate force evaluator for orbit integration.
//
// The original tabulates ln(-a_i/x_i) on a 640 x 64 x 64 grid in (log r, theta, phi) with trilinear
// interpolation (32 s to build, ~1e-4 accuracy). Here the well-behaved quantities ln(-a_x/x) and the
// O(1) ratios (a_y/y)/(a_x/x), (a_z/z)/(a_x/x) (one exp per evaluation instead of three) are tabulated against variables in which they are smooth and cheap to compute:
// u = ln r, c = z^2/r^2 and w = y^2/(x^2+y^2) (squared direction cosines: a stratified,
// nearly ellipsoidal potential depends on direction almost polynomially through them, and no
// trigonometric function is needed), and interpolated with tensor-product cubic Lagrange stencils.
// a_i = -x_i g_i keeps the exact octant symmetry (and an attractive force where the ratios stay positive). Outside
// the tabulated shell the direct potential is used. psi is always the direct potential (as in the
// original, where energies are never interpolated).
#pragma once

#include <memory>
#include <vector>

#include "dynamite/physics/potential.hpp"

namespace dynamite::physics {

struct ForceFieldGrid {
  double r_min = 0, r_max = 0;  ///< km
  int n_u = 0, n_c = 0, n_w = 0;
};

class InterpolatedForceField final : public Potential {
 public:
  /// Tabulate `direct` on `grid`. Node evaluations can be split over MPI ranks by the caller:
  /// `node_values(begin, end)` computes a contiguous range of nodes, and the constructor taking the
  /// full table skips the work.
  InterpolatedForceField(std::shared_ptr<const Potential> direct, const ForceFieldGrid& grid);
  InterpolatedForceField(std::shared_ptr<const Potential> direct, const ForceFieldGrid& grid,
                         std::vector<double> table);

  /// The grid the original would use for an MGE with smallest observed sigma `sigma_obs_min_km`,
  /// largest intrinsic sigma `sigma_intr_max_km` and the library radii 10^logrmin..10^logrmax
  /// (km), with our node counts.
  static ForceFieldGrid default_grid(double sigma_obs_min_km, double sigma_intr_max_km, double rmin_lib_km,
                                     double rmax_lib_km);

  /// ln(-a_x/x), (a_y/y)/(a_x/x), (a_z/z)/(a_x/x) at nodes [begin, end) in storage order.
  static std::vector<double> node_values(const Potential& direct, const ForceFieldGrid& grid, std::size_t begin,
                                         std::size_t end);
  static std::size_t n_nodes(const ForceFieldGrid& g) {
    return static_cast<std::size_t>(g.n_u) * g.n_c * g.n_w;
  }

  double psi(const Vec3& x) const override { return direct_->psi(x); }
  Vec3 acceleration(const Vec3& x) const override;
  const ForceFieldGrid& grid() const { return g_; }
  const Potential& direct() const { return *direct_; }

 private:
  std::shared_ptr<const Potential> direct_;
  ForceFieldGrid g_;
  double u0_ = 0, du_ = 0, dc_ = 0, dw_ = 0, r2_min_ = 0, r2_max_ = 0;
  double inv_du_ = 0, inv_dc_ = 0, inv_dw_ = 0;
  std::vector<double> table_;  ///< [iu][ic][iw][3]
};

}  // namespace dynamite::physics
