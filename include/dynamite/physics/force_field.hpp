// A fast, accurate force evaluator for orbit integration.
//
// The original tabulates ln(-a_i/x_i) on a 640 x 64 x 64 grid in (log r, theta, phi) with trilinear
// interpolation (32 s to build, ~1e-4 accuracy). Here the well-behaved quantities ln(-a_x/x) and the
// O(1) ratios (a_y/y)/(a_x/x), (a_z/z)/(a_x/x) (one exp per evaluation instead of three) are tabulated against variables in which they are smooth and cheap to compute:
// u = ln r, c = |z|/r and w = |y|/sqrt(x^2+y^2) (no trigonometric function is needed), and
// interpolated with tensor-product cubic Lagrange stencils (4 x 4 x 4 nodes). A coarser core table
// covers the centre below the main shell (box orbits plunge there).
// a_i = -x_i g_i keeps the exact octant symmetry (and an attractive force where the ratios stay positive). Outside
// the tabulated shell the direct potential is used. psi is always the direct potential (as in the
// original, where energies are never interpolated).
#pragma once

#include <memory>
#include <vector>

#include "dynamite/core/huge_pages.hpp"
#include "dynamite/physics/potential.hpp"

namespace dynamite::physics {

struct ForceFieldGrid {
  double r_min = 0, r_max = 0;  ///< km
  int n_u = 0, n_c = 0, n_w = 0;
  /// Optional core table inside r_min (n_u_core = 0: none, the direct forces are used there): from
  /// r_core (km) up to just above r_min with n_u_core x n_c_core x n_w_core nodes. Near the centre
  /// every component is harmonic or spherical, so the direction dependence is weak and a few
  /// directions suffice.
  double r_core = 0;
  int n_u_core = 0, n_c_core = 0, n_w_core = 0;
};

namespace detail {
/// One tabulated shell: nodes uniform in u = ln r (u0 + k du), |z|/r and |y|/sqrt(x^2+y^2), values
/// stored per (iu, ic) row component by component: v[((iu * n_c + ic) * 3 + comp) * n_w + iw].
struct StencilTable {
  double u0 = 0, inv_du = 0;
  int n_u = 0, n_c = 0, n_w = 0;
  double r2_lo = 0, r2_hi = 0;  ///< the table is used for r2_lo < r^2 <= r2_hi
  std::vector<double, core::HugePageAllocator<double>> v;  ///< huge pages: 16 scattered rows per evaluation
};
/// ln g_x, g_y/g_x, g_z/g_x interpolated at u = ln r, c = |z|/r, w = |y|/sqrt(x^2+y^2).
void interpolate(const StencilTable& t, double u, double c, double w, double* f);
/// Two interpolations at once (v = {u, c, w}), each bit-identical to interpolate().
void interpolate_pair(const StencilTable& ta, const double* va, double* fa, const StencilTable& tb,
                      const double* vb, double* fb);
}  // namespace detail

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

  /// ln(-a_x/x), (a_y/y)/(a_x/x), (a_z/z)/(a_x/x) at nodes [begin, end), three values per node;
  /// nodes are numbered (iu, ic, iw) with iw fastest, the main shell first, then the core table.
  static std::vector<double> node_values(const Potential& direct, const ForceFieldGrid& grid, std::size_t begin,
                                         std::size_t end);
  static std::size_t n_nodes(const ForceFieldGrid& g) {
    return static_cast<std::size_t>(g.n_u) * g.n_c * g.n_w +
           static_cast<std::size_t>(g.n_u_core) * g.n_c_core * g.n_w_core;
  }

  double psi(const Vec3& x) const override { return direct_->psi(x); }
  Vec3 acceleration(const Vec3& x) const override;
  /// Both points' stencils interleaved (bit-identical to two acceleration() calls).
  void acceleration_pair(const Vec3& xa, const Vec3& xb, Vec3& aa, Vec3& ab) const override;
  const ForceFieldGrid& grid() const { return g_; }
  const Potential& direct() const { return *direct_; }

 private:
  std::shared_ptr<const Potential> direct_;
  ForceFieldGrid g_;
  /// The table covering x and the tabulation variables v = {ln r, |z|/r, |y|/sqrt(x^2+y^2)} there, or
  /// nullptr outside the tables (direct forces there; v is not set).
  const detail::StencilTable* stencil_point(const Vec3& x, double* v) const;
  /// The acceleration from the interpolated ln g_x, g_y/g_x, g_z/g_x at x.
  static Vec3 force_from(const Vec3& x, const double* f);
  detail::StencilTable main_, core_;
};

}  // namespace dynamite::physics
