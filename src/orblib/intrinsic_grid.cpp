#include "dynamite/orblib/intrinsic_grid.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "dynamite/core/error.hpp"

namespace dynamite::orblib {

IntrinsicGridSpec make_intrinsic_grid(double logrmin, double logrmax, double arcsec_to_km, int nr,
                                      int nth, int nph, double max_sigma_obs_arcsec) {
  if (nr < 2 || nth < 1 || nph < 1)
    throw InputError("", "orblib_settings.quad_nr/quad_nth/quad_nph", 0,
                     "IntrinsicGridSpec: need quad_nr >= 2 and quad_nth, quad_nph >= 1");
  const double lc = std::log10(arcsec_to_km);
  const double lmin = logrmin + lc, lmax = logrmax + lc;
  // The original evaluates log10(0.5) in single precision; the edges depend on it at 1e-9.
  const double log_half = static_cast<double>(std::log10(0.5f));
  IntrinsicGridSpec g;
  g.r_edges.resize(nr + 1);
  g.r_edges[0] = 0.0;
  for (int i = 1; i < nr; ++i)
    g.r_edges[i] = std::pow(10.0, lmin + (lmax - lmin + log_half) * i / nr);
  g.r_edges[nr] = std::max(100.0 * std::pow(10.0, lmax), 10.0 * max_sigma_obs_arcsec * arcsec_to_km);
  const double half_pi = std::acos(0.0);
  for (int j = 0; j <= nth; ++j) g.theta_edges.push_back(half_pi * j / nth);
  for (int k = 0; k <= nph; ++k) g.phi_edges.push_back(half_pi * k / nph);
  return g;
}

IntrinsicGridObserver::IntrinsicGridObserver(IntrinsicGridSpec spec) : spec_(std::move(spec)) {
  for (int i = 1; i < spec_.nr(); ++i) r2_interior_.push_back(spec_.r_edges[i] * spec_.r_edges[i]);
  for (int j = 1; j < spec_.nth(); ++j) {
    const double t = std::tan(spec_.theta_edges[j]);
    tan2th_interior_.push_back(t * t);
  }
  for (int k = 1; k < spec_.nph(); ++k) tanph_interior_.push_back(std::tan(spec_.phi_edges[k]));
}

namespace {
/// Index of the cell holding v, given the interior edges: below the first edge -> 0, above the
/// last -> n-1 (the outer edges do not bound the grid, as in the original). The number of edges
/// not above v (what upper_bound finds) counted without branches: the grids have a handful of
/// edges, and a binary search mispredicts on every other sample.
inline int locate(const std::vector<double>& interior, double v) {
  int n = 0;
  for (const double e : interior) n += e <= v;
  return n;
}
}  // namespace

int IntrinsicGridObserver::cell_of(double ax, double ay, double az) const {
  const double r2 = ax * ax + ay * ay + az * az;
  const double rho2 = ax * ax + ay * ay;
  const double tan2th = az > 0 ? rho2 / (az * az) : std::numeric_limits<double>::infinity();
  const double tanph = ax > 0 ? ay / ax : std::numeric_limits<double>::infinity();
  const int ir = locate(r2_interior_, r2);
  const int ith = locate(tan2th_interior_, tan2th);
  const int iph = locate(tanph_interior_, tanph);
  return (ir * spec_.nth() + ith) * spec_.nph() + iph;
}

void IntrinsicGridObserver::accumulate(const OrbitSamples& s, OrbitType type,
                                       std::span<double> acc) const {
  if (acc.size() != accumulator_size())
    throw std::invalid_argument("IntrinsicGridObserver: accumulator has the wrong size");
  const int type_slot = type == OrbitType::XTube ? 13 : (type == OrbitType::ZTube ? 14 : 15);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const std::array<int, 3> sg{s.x[i] < 0 ? -1 : 1, s.y[i] < 0 ? -1 : 1, s.z[i] < 0 ? -1 : 1};
    const int c = mirror_velocity_factor(sg, type);
    const double x = sg[0] * s.x[i], y = sg[1] * s.y[i], z = sg[2] * s.z[i];
    const double vx = sg[0] * c * s.vx[i], vy = sg[1] * c * s.vy[i], vz = sg[2] * c * s.vz[i];
    double* m = acc.data() + static_cast<std::size_t>(cell_of(x, y, z)) * kMoments;
    m[0] += 1;
    m[1] += x, m[2] += y, m[3] += z;
    m[4] += vx, m[5] += vy, m[6] += vz;
    m[7] += vx * vx, m[8] += vy * vy, m[9] += vz * vz;
    m[10] += vx * vy, m[11] += vy * vz, m[12] += vz * vx;
    m[type_slot] += 1;
  }
}

void IntrinsicGridObserver::finalize(std::span<double> acc, double total_samples) const {
  for (int c = 0; c < spec_.n_cells(); ++c) {
    double* m = acc.data() + static_cast<std::size_t>(c) * kMoments;
    if (m[0] > 0)
      for (int k = 1; k <= 12; ++k) m[k] /= m[0];
    if (total_samples > 0) {
      m[0] /= total_samples;
      for (int k = 13; k < kMoments; ++k) m[k] /= total_samples;
    }
  }
}

}  // namespace dynamite::orblib
