#include "dynamite/orblib/intrinsic_grid.hpp"

#include <algorithm>
#include <cmath>
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

/// Samples folded into the positive octant, a block at a time.
struct IntrinsicGridObserver::FoldedBlock {
  double x[kBlock], y[kBlock], z[kBlock], vx[kBlock], vy[kBlock], vz[kBlock];
  int cell[kBlock];
};

int IntrinsicGridObserver::cell_of(double ax, double ay, double az) const {
  FoldedBlock f;  // a block of one: the same rule as accumulate's
  f.x[0] = ax, f.y[0] = ay, f.z[0] = az;
  locate_block(f, 1);
  return f.cell[0];
}

__attribute__((target_clones("avx2", "default"))) void IntrinsicGridObserver::locate_block(FoldedBlock& f,
                                                                                          std::size_t nb) const {
  // The cell of each sample: the number of interior edges at or below its r^2, tan^2(theta) =
  // rho^2/z^2 and tan(phi) = y/x (compared as e z^2 <= rho^2 and e x <= y: no divisions, and z = 0
  // or x = 0 count as above every edge), below the first edge -> 0, above the last -> n-1 (the
  // outer edges do not bound the grid, as in the original). Edge by edge over the samples, with
  // counters in doubles, the width of the compared values, so that the loops vectorise; the grids
  // have a handful of edges, and a binary search would mispredict on every other sample.
  double rho2[kBlock], r2[kBlock], z2[kBlock], ir[kBlock], ith[kBlock], iph[kBlock];
  for (std::size_t j = 0; j < nb; ++j) {
    rho2[j] = f.x[j] * f.x[j] + f.y[j] * f.y[j];
    z2[j] = f.z[j] * f.z[j];
    r2[j] = rho2[j] + z2[j];
    ir[j] = ith[j] = iph[j] = 0;
  }
  for (const double e : r2_interior_)
    for (std::size_t j = 0; j < nb; ++j) ir[j] += e <= r2[j] ? 1.0 : 0.0;
  for (const double e : tan2th_interior_)
    for (std::size_t j = 0; j < nb; ++j) ith[j] += e * z2[j] <= rho2[j] ? 1.0 : 0.0;
  for (const double e : tanph_interior_)
    for (std::size_t j = 0; j < nb; ++j) iph[j] += e * f.x[j] <= f.y[j] ? 1.0 : 0.0;
  const double nth = spec_.nth(), nph = spec_.nph();
  for (std::size_t j = 0; j < nb; ++j) f.cell[j] = static_cast<int>((ir[j] * nth + ith[j]) * nph + iph[j]);
}

void IntrinsicGridObserver::accumulate(const OrbitSamples& s, OrbitType type,
                                       std::span<double> acc) const {
  if (acc.size() != accumulator_size())
    throw std::invalid_argument("IntrinsicGridObserver: accumulator has the wrong size");
  const int type_slot = type == OrbitType::XTube ? 13 : (type == OrbitType::ZTube ? 14 : 15);
  // Velocity sign of the folding mirror (mirror_velocity_factor): the product of the position
  // signs of the axes tube_sign_axes names (none for boxes), as doubles so that the fold vectorises.
  const auto axes = tube_sign_axes(type);
  bool use[3] = {false, false, false};
  for (int a : axes)
    if (a >= 0) use[a] = true;
  FoldedBlock f;
  // Running sums of the cell the orbit is in: consecutive samples mostly share a cell, and adding
  // each sample to memory made every sum one long chain of dependent loads and stores.
  int cur = -1;
  double run[13] = {};
  auto flush = [&] {
    if (cur < 0) return;
    double* m = acc.data() + static_cast<std::size_t>(cur) * kMoments;
    for (int k = 0; k < 13; ++k) m[k] += run[k];
    m[type_slot] += run[0];
    std::fill(std::begin(run), std::end(run), 0.0);
  };
  for (std::size_t i0 = 0; i0 < s.size(); i0 += kBlock) {
    const std::size_t nb = std::min(kBlock, s.size() - i0);
    // Fold (vectorises): position signs, the mirror's velocity factor, the cell.
    for (std::size_t j = 0; j < nb; ++j) {
      const std::size_t i = i0 + j;
      const double sg[3] = {s.x[i] < 0 ? -1.0 : 1.0, s.y[i] < 0 ? -1.0 : 1.0, s.z[i] < 0 ? -1.0 : 1.0};
      const double c = (use[0] ? sg[0] : 1.0) * (use[1] ? sg[1] : 1.0) * (use[2] ? sg[2] : 1.0);
      f.x[j] = sg[0] * s.x[i], f.y[j] = sg[1] * s.y[i], f.z[j] = sg[2] * s.z[i];
      f.vx[j] = sg[0] * c * s.vx[i], f.vy[j] = sg[1] * c * s.vy[i], f.vz[j] = sg[2] * c * s.vz[i];
    }
    locate_block(f, nb);
    for (std::size_t j = 0; j < nb; ++j) {
      if (f.cell[j] != cur) flush(), cur = f.cell[j];
      const double vx = f.vx[j], vy = f.vy[j], vz = f.vz[j];
      run[0] += 1;
      run[1] += f.x[j], run[2] += f.y[j], run[3] += f.z[j];
      run[4] += vx, run[5] += vy, run[6] += vz;
      run[7] += vx * vx, run[8] += vy * vy, run[9] += vz * vz;
      run[10] += vx * vy, run[11] += vy * vz, run[12] += vz * vx;
    }
  }
  flush();
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
