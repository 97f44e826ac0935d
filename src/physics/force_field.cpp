#include "dynamite/physics/force_field.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "dynamite/core/error.hpp"

namespace dynamite::physics {

namespace {

/// Direction (unit vector) of a node with squared direction cosines c = nz^2, w = ny^2/(nx^2+ny^2).
/// Components that would be exactly zero are nudged to 1e-7 so that a_i/x_i is evaluated as the
/// limit it tends to (it is a smooth function of direction).
Vec3 node_direction(double c, double w) {
  const double eps = 1e-7;
  double nz = std::sqrt(std::clamp(c, 0.0, 1.0));
  double rho = std::sqrt(std::max(0.0, 1 - c));
  double nx = rho * std::sqrt(std::clamp(1 - w, 0.0, 1.0));
  double ny = rho * std::sqrt(std::clamp(w, 0.0, 1.0));
  nx = std::max(nx, eps), ny = std::max(ny, eps), nz = std::max(nz, eps);
  const double n = std::sqrt(nx * nx + ny * ny + nz * nz);
  return {nx / n, ny / n, nz / n};
}

/// Weights of the 4-point Lagrange stencil starting at node i0 for fractional position s (in node
/// units, relative to node i0), i.e. nodes at 0, 1, 2, 3.
inline void lagrange4(double s, double* w) {
  const double s0 = s, s1 = s - 1, s2 = s - 2, s3 = s - 3;
  w[0] = -s1 * s2 * s3 / 6.0;
  w[1] = s0 * s2 * s3 / 2.0;
  w[2] = -s0 * s1 * s3 / 2.0;
  w[3] = s0 * s1 * s2 / 6.0;
}

/// First node of the stencil and the position within it for coordinate v (node units) on n nodes.
inline int stencil(double v, int n, double& s) {
  int i = static_cast<int>(std::floor(v)) - 1;
  i = std::clamp(i, 0, n - 4);
  s = v - i;
  return i;
}

}  // namespace

ForceFieldGrid InterpolatedForceField::default_grid(double sigma_obs_min_km, double sigma_intr_max_km,
                                                    double rmin_lib_km, double rmax_lib_km) {
  ForceFieldGrid g;
  g.r_min = std::min(sigma_obs_min_km / 10, 0.01 * rmin_lib_km);
  g.r_max = std::max(1.05 * rmax_lib_km, std::sqrt(2.0) * 6 * sigma_intr_max_km);
  const double e_folds = std::log(g.r_max / g.r_min);
  // 20 nodes per e-fold in radius and 21 x 21 in direction keep the force error below 5e-6 even for
  // strongly flattened models (measured in tests/physics and docs/performance.md).
  g.n_u = std::max(16, static_cast<int>(std::ceil(e_folds / 0.05)) + 1);
  g.n_c = 21;
  g.n_w = 21;
  return g;
}

std::vector<double> InterpolatedForceField::node_values(const Potential& direct, const ForceFieldGrid& g,
                                                        std::size_t begin, std::size_t end) {
  std::vector<double> out;
  out.reserve(3 * (end - begin));
  const double u0 = std::log(g.r_min), du = (std::log(g.r_max) - u0) / (g.n_u - 1);
  for (std::size_t n = begin; n < end; ++n) {
    const std::size_t iw = n % g.n_w, ic = (n / g.n_w) % g.n_c, iu = n / (static_cast<std::size_t>(g.n_w) * g.n_c);
    const double r = std::exp(u0 + du * static_cast<double>(iu));
    const double zeta = static_cast<double>(ic) / (g.n_c - 1), eta = static_cast<double>(iw) / (g.n_w - 1);
    const Vec3 d = node_direction(zeta * zeta, eta * eta);
    const Vec3 x{r * d[0], r * d[1], r * d[2]};
    const Vec3 a = direct.acceleration(x);
    double gi[3];
    for (int i = 0; i < 3; ++i) {
      gi[i] = -a[i] / x[i];
      if (!(gi[i] > 0))
        throw NumericalError(fmt::format("InterpolatedForceField: force is not attractive at ({}, {}, {}) km", x[0], x[1], x[2]));
    }
    // ln g_x carries the radial power law; g_y/g_x and g_z/g_x are O(1) and smooth, so they are
    // interpolated directly and one exp per evaluation suffices.
    out.push_back(std::log(gi[0]));
    out.push_back(gi[1] / gi[0]);
    out.push_back(gi[2] / gi[0]);
  }
  return out;
}

InterpolatedForceField::InterpolatedForceField(std::shared_ptr<const Potential> direct, const ForceFieldGrid& grid)
    : InterpolatedForceField(direct, grid, node_values(*direct, grid, 0, n_nodes(grid))) {}

InterpolatedForceField::InterpolatedForceField(std::shared_ptr<const Potential> direct, const ForceFieldGrid& grid,
                                               std::vector<double> table)
    : direct_(std::move(direct)), g_(grid), table_(std::move(table)) {
  if (g_.n_u < 4 || g_.n_c < 4 || g_.n_w < 4 || !(g_.r_min > 0 && g_.r_max > g_.r_min))
    throw NumericalError("InterpolatedForceField: need at least 4 nodes per dimension and 0 < r_min < r_max");
  if (table_.size() != 3 * n_nodes(g_)) throw NumericalError("InterpolatedForceField: table has the wrong size");
  u0_ = std::log(g_.r_min);
  du_ = (std::log(g_.r_max) - u0_) / (g_.n_u - 1);
  dc_ = 1.0 / (g_.n_c - 1);
  dw_ = 1.0 / (g_.n_w - 1);
  inv_du_ = 1 / du_, inv_dc_ = g_.n_c - 1, inv_dw_ = g_.n_w - 1;
  // Stay one node inside the radial ends, where the stencil is still centred.
  r2_min_ = std::exp(2 * (u0_ + du_)), r2_max_ = std::exp(2 * (u0_ + du_ * (g_.n_u - 2)));
}

Vec3 InterpolatedForceField::acceleration(const Vec3& x) const {
  const double x2 = x[0] * x[0], y2 = x[1] * x[1], z2 = x[2] * x[2];
  const double rho2 = x2 + y2, r2 = rho2 + z2;
  if (!(r2 > r2_min_ && r2 < r2_max_)) return direct_->acceleration(x);
  const double u = 0.5 * std::log(r2);
  // Tabulation variables |z|/r and |y|/sqrt(x^2+y^2): uniform in them means nodes crowd towards the
  // symmetry planes, where flattened potentials vary fastest with direction.
  const double c = std::sqrt(z2 / r2);
  const double w = rho2 > 0 ? std::sqrt(y2 / rho2) : 0.0;  // two divisions: cheaper than atan2
  double su, sc, sw, wu[4], wc[4], ww[4];
  const int iu = stencil((u - u0_) * inv_du_, g_.n_u, su);
  const int ic = stencil(c * inv_dc_, g_.n_c, sc);
  const int iw = stencil(w * inv_dw_, g_.n_w, sw);
  lagrange4(su, wu);
  lagrange4(sc, wc);
  lagrange4(sw, ww);
  double f0 = 0, f1 = 0, f2 = 0;
  for (int a = 0; a < 4; ++a) {
    for (int b = 0; b < 4; ++b) {
      const double wab = wu[a] * wc[b];
      const double* p = &table_[3 * ((static_cast<std::size_t>(iu + a) * g_.n_c + (ic + b)) * g_.n_w + iw)];
      for (int k = 0; k < 4; ++k) {
        const double wt = wab * ww[k];
        f0 += wt * p[3 * k];
        f1 += wt * p[3 * k + 1];
        f2 += wt * p[3 * k + 2];
      }
    }
  }
  const double gx = std::exp(f0);
  return {-x[0] * gx, -x[1] * gx * f1, -x[2] * gx * f2};
}

}  // namespace dynamite::physics
