#include "dynamite/physics/force_field.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

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

using v4d = double __attribute__((vector_size(32)));

inline void load4(v4d& v, const double* p) { std::memcpy(&v, p, sizeof(v)); }

}  // namespace

namespace detail {

/// The interpolated values at K points (u[k], c[k], w[k]) of tables t[k], each as interpolate()
/// computes it. The 16 rows (iu+a, ic+b) of a stencil are summed with weights wu[a] wc[b] into the
/// four w-node partial sums of each component (48 four-wide multiply-adds on contiguous memory),
/// which are then weighted by ww. Each radial layer a has its own partial sums, added pairwise at
/// the end: an orbit's next force waits for this one, so the dependency chain (4 additions deep
/// instead of 16) matters more than the operation count; K = 2 interleaves two independent points
/// for the same reason. Compiled for AVX2 and for the baseline (where each four-wide operation is
/// two SSE2 ones); both do the same IEEE operations in the same order (no FMA), so the result is
/// bit-identical on every machine and for K = 1 and 2.
template <int K>
[[gnu::always_inline]] inline void interpolate_k(const StencilTable* const* t, const double* u, const double* c, const double* w,
                          double* const* f) {
  double wu[K][4], wc[K][4], ww[K][4];
  const double* base[K];
  std::size_t nw[K], row[K], layer[K];
  for (int k = 0; k < K; ++k) {
    double su, sc, sw;
    const int iu = stencil((u[k] - t[k]->u0) * t[k]->inv_du, t[k]->n_u, su);
    const int ic = stencil(c[k] * (t[k]->n_c - 1), t[k]->n_c, sc);
    const int iw = stencil(w[k] * (t[k]->n_w - 1), t[k]->n_w, sw);
    lagrange4(su, wu[k]);
    lagrange4(sc, wc[k]);
    lagrange4(sw, ww[k]);
    nw[k] = static_cast<std::size_t>(t[k]->n_w), row[k] = 3 * nw[k];
    layer[k] = static_cast<std::size_t>(t[k]->n_c) * row[k];
    base[k] = t[k]->v.data() + (static_cast<std::size_t>(iu) * t[k]->n_c + ic) * row[k] + iw;
  }
  v4d s0[K][4], s1[K][4], s2[K][4];
  for (int a = 0; a < 4; ++a) {
    for (int b = 0; b < 4; ++b) {
      for (int k = 0; k < K; ++k) {
        const double* p = base[k] + a * layer[k] + b * row[k];
        const double wab = wu[k][a] * wc[k][b];
        const v4d W{wab, wab, wab, wab};
        v4d q0, q1, q2;
        load4(q0, p), load4(q1, p + nw[k]), load4(q2, p + 2 * nw[k]);
        if (b == 0) {
          s0[k][a] = W * q0, s1[k][a] = W * q1, s2[k][a] = W * q2;
        } else {
          s0[k][a] += W * q0, s1[k][a] += W * q1, s2[k][a] += W * q2;
        }
      }
    }
  }
  for (int k = 0; k < K; ++k) {
    const v4d wv{ww[k][0], ww[k][1], ww[k][2], ww[k][3]};
    const v4d S0 = ((s0[k][0] + s0[k][1]) + (s0[k][2] + s0[k][3])) * wv;
    const v4d S1 = ((s1[k][0] + s1[k][1]) + (s1[k][2] + s1[k][3])) * wv;
    const v4d S2 = ((s2[k][0] + s2[k][1]) + (s2[k][2] + s2[k][3])) * wv;
    f[k][0] = (S0[0] + S0[2]) + (S0[1] + S0[3]);
    f[k][1] = (S1[0] + S1[2]) + (S1[1] + S1[3]);
    f[k][2] = (S2[0] + S2[2]) + (S2[1] + S2[3]);
  }
}

__attribute__((target_clones("avx2", "default"))) void interpolate(const StencilTable& t, double u, double c,
                                                                   double w, double* f) {
  const StencilTable* tt[1] = {&t};
  double* ff[1] = {f};
  interpolate_k<1>(tt, &u, &c, &w, ff);
}

__attribute__((target_clones("avx2", "default"))) void interpolate_pair(const StencilTable& ta, const double* va,
                                                                        double* fa, const StencilTable& tb,
                                                                        const double* vb, double* fb) {
  const StencilTable* tt[2] = {&ta, &tb};
  const double u[2] = {va[0], vb[0]}, c[2] = {va[1], vb[1]}, w[2] = {va[2], vb[2]};
  double* ff[2] = {fa, fb};
  interpolate_k<2>(tt, u, c, w, ff);
}

}  // namespace detail

namespace {

struct ShellNodes {
  double u0, du;
  int n_u, n_c, n_w;
  std::size_t size() const { return static_cast<std::size_t>(n_u) * n_c * n_w; }
};

ShellNodes main_nodes(const ForceFieldGrid& g) {
  const double u0 = std::log(g.r_min);
  return {u0, (std::log(g.r_max) - u0) / (g.n_u - 1), g.n_u, g.n_c, g.n_w};
}

/// Core nodes: u_1 = ln r_core and u_{n-2} = the main shell's lower limit (its node 1).
ShellNodes core_nodes(const ForceFieldGrid& g) {
  if (g.n_u_core == 0) return {0, 0, 0, 0, 0};
  const ShellNodes m = main_nodes(g);
  const double lo = std::log(g.r_core), hi = m.u0 + m.du;
  const double du = (hi - lo) / (g.n_u_core - 3);
  return {lo - du, du, g.n_u_core, g.n_c_core, g.n_w_core};
}

/// Rearrange per-node triples into a StencilTable.
detail::StencilTable make_table(const ShellNodes& s, const double* triples) {
  detail::StencilTable t;
  t.u0 = s.u0, t.inv_du = 1 / s.du;
  t.n_u = s.n_u, t.n_c = s.n_c, t.n_w = s.n_w;
  t.v.resize(3 * s.size());
  for (std::size_t n = 0; n < s.size(); ++n) {
    const std::size_t iw = n % s.n_w, rowi = n / s.n_w;  // rowi = iu * n_c + ic
    for (int k = 0; k < 3; ++k) t.v[(rowi * 3 + k) * s.n_w + iw] = triples[3 * n + k];
  }
  // Stay one node inside the radial ends, where the stencil is still centred.
  t.r2_lo = std::exp(2 * (s.u0 + s.du)), t.r2_hi = std::exp(2 * (s.u0 + s.du * (s.n_u - 2)));
  return t;
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
  // The core: 10 e-folds below r_min (box orbits come that close to the centre; the direct forces
  // there cost 100 times more). Inside r_min every component is nearly harmonic or spherical, so
  // the direction dependence is almost a quadratic form, which the cubic stencils reproduce: 5 x 5
  // directions are as accurate as 9 x 9, while the radius needs the main shell's 20 nodes per
  // e-fold (max error 3.7e-7 for the NGC6278 model; 10 per e-fold: 5.7e-6). 5,100 nodes.
  const double core_e_folds = 10.0;
  g.r_core = g.r_min * std::exp(-core_e_folds);
  g.n_u_core = static_cast<int>(std::ceil((core_e_folds + e_folds / (g.n_u - 1)) / 0.05)) + 3;
  g.n_c_core = 5;
  g.n_w_core = 5;
  return g;
}

std::vector<double> InterpolatedForceField::node_values(const Potential& direct, const ForceFieldGrid& g,
                                                        std::size_t begin, std::size_t end) {
  std::vector<double> out;
  out.reserve(3 * (end - begin));
  const ShellNodes shells[2] = {main_nodes(g), core_nodes(g)};
  for (std::size_t n = begin; n < end; ++n) {
    const bool core = n >= shells[0].size();
    const ShellNodes& s = shells[core];
    const std::size_t m = core ? n - shells[0].size() : n;
    const std::size_t iw = m % s.n_w, ic = (m / s.n_w) % s.n_c, iu = m / (static_cast<std::size_t>(s.n_w) * s.n_c);
    const double r = std::exp(s.u0 + s.du * static_cast<double>(iu));
    const double zeta = static_cast<double>(ic) / (s.n_c - 1), eta = static_cast<double>(iw) / (s.n_w - 1);
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
    : direct_(std::move(direct)), g_(grid) {
  if (g_.n_u < 4 || g_.n_c < 4 || g_.n_w < 4 || !(g_.r_min > 0 && g_.r_max > g_.r_min))
    throw NumericalError("InterpolatedForceField: need at least 4 nodes per dimension and 0 < r_min < r_max");
  if (g_.n_u_core != 0 && (g_.n_u_core < 5 || g_.n_c_core < 4 || g_.n_w_core < 4 || !(g_.r_core > 0 && g_.r_core < g_.r_min)))
    throw NumericalError("InterpolatedForceField: the core table needs at least 5 x 4 x 4 nodes and 0 < r_core < r_min");
  if (table.size() != 3 * n_nodes(g_)) throw NumericalError("InterpolatedForceField: table has the wrong size");
  const ShellNodes m = main_nodes(g_), c = core_nodes(g_);
  main_ = make_table(m, table.data());
  if (c.n_u > 0) {
    core_ = make_table(c, table.data() + 3 * m.size());
    core_.r2_hi = main_.r2_lo;  // exactly where the main shell takes over
  }
}

const detail::StencilTable* InterpolatedForceField::stencil_point(const Vec3& x, double* v) const {
  const double x2 = x[0] * x[0], y2 = x[1] * x[1], z2 = x[2] * x[2];
  const double rho2 = x2 + y2, r2 = rho2 + z2;
  const detail::StencilTable* t = nullptr;
  if (r2 > main_.r2_lo && r2 < main_.r2_hi)
    t = &main_;
  else if (r2 > core_.r2_lo && r2 <= core_.r2_hi)
    t = &core_;
  else
    return nullptr;
  v[0] = 0.5 * std::log(r2);
  // Tabulation variables |z|/r and |y|/sqrt(x^2+y^2): uniform in them means nodes crowd towards the
  // symmetry planes, where flattened potentials vary fastest with direction.
  v[1] = std::sqrt(z2 / r2);
  v[2] = rho2 > 0 ? std::sqrt(y2 / rho2) : 0.0;  // two divisions: cheaper than atan2
  return t;
}

Vec3 InterpolatedForceField::force_from(const Vec3& x, const double* f) {
  const double gx = std::exp(f[0]);
  return {-x[0] * gx, -x[1] * gx * f[1], -x[2] * gx * f[2]};
}

Vec3 InterpolatedForceField::acceleration(const Vec3& x) const {
  double v[3], f[3];
  const detail::StencilTable* t = stencil_point(x, v);
  if (!t) return direct_->acceleration(x);
  detail::interpolate(*t, v[0], v[1], v[2], f);
  return force_from(x, f);
}

void InterpolatedForceField::acceleration_pair(const Vec3& xa, const Vec3& xb, Vec3& aa, Vec3& ab) const {
  double va[3], vb[3];
  const detail::StencilTable* ta = stencil_point(xa, va);
  const detail::StencilTable* tb = stencil_point(xb, vb);
  if (ta && tb) {
    double fa[3], fb[3];
    detail::interpolate_pair(*ta, va, fa, *tb, vb, fb);
    aa = force_from(xa, fa);
    ab = force_from(xb, fb);
    return;
  }
  aa = acceleration(xa);  // a point outside the tables: each alone (rare)
  ab = acceleration(xb);
}

}  // namespace dynamite::physics
