#include "dynamite/weights/linear_system.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "dynamite/core/error.hpp"
#include "dynamite/io/ecsv.hpp"

namespace dynamite::weights {

ObservedMasses ObservedMasses::read_legacy(const std::filesystem::path& q, const std::filesystem::path& a) {
  ObservedMasses m;
  m.intrinsic = io::EcsvTable::read(q).doubles("mass_qgrid");
  m.aperture = io::EcsvTable::read(a).doubles("proj_mass");
  return m;
}

std::vector<double> hermite(int n, double w) {
  std::vector<double> h(n + 1);
  h[0] = 1.0;
  if (n >= 1) h[1] = std::sqrt(2.0) * w;
  for (int k = 1; k < n; ++k) h[k + 1] = (std::sqrt(2.0) * w * h[k] - std::sqrt(static_cast<double>(k)) * h[k - 1]) / std::sqrt(k + 1.0);
  return h;
}

VelocityAxis VelocityAxis::legacy(double width, int bins, double scale) {
  // As the original's reader: edges k * (width / bins), shifted so the middle bin's centre is 0;
  // centres and widths from the shifted edges, then each multiplied by the velocity scale. In
  // floating point a symmetric histogram then has a mean of +-1e-16, not 0, which decides the
  // original's counter-rotation cut in degenerate cases; keeping its arithmetic keeps its matrix.
  const double d = width / bins;
  std::vector<double> e(bins + 1);
  for (int k = 0; k <= bins; ++k) e[k] = k * d;
  const int mid = (bins - 1) / 2;
  const double vc = (e[mid + 1] + e[mid]) / 2.;
  for (double& v : e) v -= vc;
  VelocityAxis a;
  a.x.resize(bins), a.dx.resize(bins);
  for (int k = 0; k < bins; ++k) {
    a.x[k] = (e[k] + e[k + 1]) / 2. * scale;
    a.dx[k] = (e[k + 1] - e[k]) * scale;
  }
  return a;
}

std::vector<double> gh_coefficients(const std::vector<double>& y, const VelocityAxis& ax, double v, double sigma,
                                    int n_max) {
  std::vector<double> h(n_max + 1, 0.0);
  const double pre = 2 * std::sqrt(M_PI);
  for (std::size_t b = 0; b < y.size(); ++b) {
    if (y[b] == 0) continue;
    const double w = (ax.x[b] - v) / sigma;
    const double pdf = std::exp(-0.5 * w * w) / std::sqrt(2 * M_PI);
    const auto H = hermite(n_max, w);
    for (int n = 0; n <= n_max; ++n) h[n] += pre * y[b] * pdf * H[n] * ax.dx[b];
  }
  for (double& c : h) c /= ax.dx[0];  // the original divides by the (uniform) bin width
  return std::vector<double>(h.begin() + 1, h.end());
}

namespace {

/// One orbit column's LOSVD in aperture j as a dense histogram; `reversed` mirrors the velocity axis.
void dense_row(const orblib::LosvdCube& c, int bundle, int ap, bool reversed, std::vector<double>& out) {
  out.assign(c.n_vbins, 0.0);
  const std::size_t e = c.entry(bundle, ap);
  for (int k = 0; k < c.count[e]; ++k) {
    const int bin = c.first[e] + k;
    out[reversed ? c.n_vbins - 1 - bin : bin] = c.values[c.offset[e] + k];
  }
}

}  // namespace

OrbitColumn orbit_column(const orblib::OrbitLibrary& lib, int o) {
  const int nb = lib.n_bundles();
  if (o < 2 * nb) return {&lib.tube, o / 2, (o % 2) == 1};
  return {&lib.box, o - 2 * nb, false};
}

Eigen::MatrixXd losvd_rebin_matrix(const VelocityAxis& axis, const io::BayesLosvdData& d) {
  const int nv = static_cast<int>(d.vcent.size()), nb = static_cast<int>(axis.x.size());
  Eigen::MatrixXd f = Eigen::MatrixXd::Zero(nv, nb);
  for (int v = 0; v < nv; ++v) {
    const double lo = d.vcent[v] - d.dv / 2, hi = d.vcent[v] + d.dv / 2;
    for (int b = 0; b < nb; ++b) {
      const double x0 = axis.x[b] - axis.dx[b] / 2, x1 = axis.x[b] + axis.dx[b] / 2, dx = axis.dx[0];
      const double f1 = std::clamp((x1 - lo) / dx, 0.0, 1.0), f2 = std::clamp((hi - x0) / dx, 0.0, 1.0);
      f(v, b) = std::min(f1, f2);
    }
  }
  return f;
}

void add_bayes_losvd_rows(const orblib::OrbitLibrary& lib, const ObservedMasses& m, const io::BayesLosvdData& d,
                          std::size_t set, int ap0, int row0, double velocity_scale, LinearSystem& sys) {
  const auto& cube = lib.tube.losvd[set];
  const int nap = cube.n_apertures, nv = static_cast<int>(d.vcent.size());
  const VelocityAxis axis = VelocityAxis::legacy(cube.dv * cube.n_vbins, cube.n_vbins, velocity_scale);
  const Eigen::MatrixXd f = losvd_rebin_matrix(axis, d);
  std::vector<double> y;
  for (int j = 0; j < nap; ++j) {
    const double M = m.aperture[ap0 + j];
    for (int v = 0; v < nv; ++v) {
      const double econ = M * d.dlosvd[j][v];
      sys.b(row0 + j * nv + v) = M * d.losvd[j][v] / econ;
    }
    for (int o = 0; o < sys.A.cols(); ++o) {
      const OrbitColumn c = orbit_column(lib, o);
      dense_row(c.set->losvd[set], c.bundle, j, c.reversed, y);
      y.front() = 0, y.back() = 0;  // the edge bins collect the tails
      const Eigen::VectorXd yb = f * Eigen::Map<const Eigen::VectorXd>(y.data(), static_cast<Eigen::Index>(y.size()));
      for (int v = 0; v < nv; ++v) sys.A(row0 + j * nv + v, o) = yb(v) / (M * d.dlosvd[j][v]);
    }
  }
}

LinearSystem build_linear_system(const orblib::OrbitLibrary& lib, const ObservedMasses& m,
                                 const std::vector<io::KinematicSet>& sets, const SystemSettings& s) {
  const int nb = lib.n_bundles();
  const int n_orb = 3 * nb;
  const int n_cells = lib.grid.n_cells();
  if (static_cast<int>(m.intrinsic.size()) != n_cells)
    throw InputError("", "mass_qgrid", 0, fmt::format("LinearSystem: {} intrinsic masses for {} grid cells", m.intrinsic.size(), n_cells));
  if (lib.tube.losvd.size() != sets.size())
    throw InputError("", "kinematics", 0, fmt::format("LinearSystem: library has {} kinematic sets, the config {}", lib.tube.losvd.size(), sets.size()));
  int n_ap = 0;
  const int N = s.number_gh;
  int n_kin_rows = 0;
  for (std::size_t k = 0; k < sets.size(); ++k) {
    if (!sets[k].gh && !sets[k].bayes) throw InputError(sets[k].datafile, "", 0, "LinearSystem: kinematic set without data");
    const int per_aperture = sets[k].gh ? N : static_cast<int>(sets[k].bayes->vcent.size());
    n_kin_rows += per_aperture * static_cast<int>(sets[k].n_bins());
    if (lib.tube.losvd[k].n_apertures != static_cast<int>(sets[k].n_bins()))
      throw InputError(sets[k].datafile, "", 0, "LinearSystem: the library's apertures differ from the kinematics' bins");
    if (lib.tube.losvd[k].center != 0.0)
      throw NotSupportedError("LinearSystem: counter-rotating tube copies need histograms centred on 0");
    n_ap += lib.tube.losvd[k].n_apertures;
  }
  if (static_cast<int>(m.aperture.size()) != n_ap)
    throw InputError("", "mass_aper", 0, fmt::format("LinearSystem: {} aperture masses for {} apertures", m.aperture.size(), n_ap));
  LinearSystem sys;
  sys.n_intrinsic = n_cells;
  sys.n_apertures = n_ap;
  const int n_rows = 1 + n_cells + n_ap + n_kin_rows;
  sys.A = Eigen::MatrixXd::Zero(n_rows, n_orb);
  sys.b = Eigen::VectorXd::Zero(n_rows);
  std::vector<double> y;

  // Total mass.
  double total = 0;
  for (double v : m.intrinsic) total += v;
  const double e_total = std::max(std::abs(1 - total), 1e-8);
  sys.b(0) = total / e_total;
  sys.A.row(0).setConstant(1.0 / e_total);
  // Intrinsic masses.
  for (int c = 0; c < n_cells; ++c) {
    double e = std::abs(m.intrinsic[c] * s.lum_intr_rel_err);
    if (e <= 0) e = 1e-16;
    sys.b(1 + c) = m.intrinsic[c] / e;
    for (int o = 0; o < n_orb; ++o) {
      const OrbitColumn col = orbit_column(lib, o);
      sys.A(1 + c, o) = col.set->density(col.bundle, c) / e;
    }
  }
  // Projected masses: each orbit's light in each aperture of every set (all velocity bins).
  for (std::size_t k = 0, a0 = 0; k < sets.size(); a0 += lib.tube.losvd[k].n_apertures, ++k) {
    for (int j = 0; j < lib.tube.losvd[k].n_apertures; ++j) {
      const double M = m.aperture[a0 + j], e = std::abs(M * s.sb_proj_rel_err);
      const int row = 1 + n_cells + static_cast<int>(a0) + j;
      sys.b(row) = M / e;
      for (int o = 0; o < n_orb; ++o) {
        const OrbitColumn c = orbit_column(lib, o);
        dense_row(c.set->losvd[k], c.bundle, j, c.reversed, y);
        double mass = 0;
        for (double v : y) mass += v;
        sys.A(row, o) = mass / e;
      }
    }
  }
  // Kinematics, set by set.
  int ap0 = 0;
  int krow = 1 + n_cells + n_ap;
  for (std::size_t k = 0; k < sets.size(); ++k) {
    if (sets[k].bayes) {
      add_bayes_losvd_rows(lib, m, *sets[k].bayes, k, ap0, krow, s.velocity_scale, sys);
      krow += lib.tube.losvd[k].n_apertures * static_cast<int>(sets[k].bayes->vcent.size());
      ap0 += lib.tube.losvd[k].n_apertures;
      continue;
    }
    const auto& gh = *sets[k].gh;
    const auto& cube = lib.tube.losvd[k];
    const int nap = cube.n_apertures;
    const VelocityAxis axis = VelocityAxis::legacy(cube.dv * cube.n_vbins, cube.n_vbins, s.velocity_scale);
    const double dv_hist = cube.dv;  // unscaled, as the original's CRcut uses
    // CRcut (§5.4): orbit mean velocity per aperture against the data.
    std::vector<std::vector<char>> bad(n_orb, std::vector<char>(nap, 0));
    std::vector<int> n_bad(n_orb, 0);
    std::vector<std::vector<double>> hcoef(static_cast<std::size_t>(n_orb) * nap);
    for (int o = 0; o < n_orb; ++o) {
      const OrbitColumn col = orbit_column(lib, o);
      const auto& c = col.set->losvd[k];
      for (int j = 0; j < nap; ++j) {
        dense_row(c, col.bundle, j, col.reversed, y);
        y.front() = 0, y.back() = 0;  // the edge bins collect the tails: not used for the kinematics
        hcoef[static_cast<std::size_t>(o) * nap + j] = gh_coefficients(y, axis, gh.v[j], gh.sigma[j], N);
        if (s.cr_cut) {
          double sy = 0, sxy = 0;
          for (int v = 0; v < cube.n_vbins; ++v) sy += y[v] * axis.dx[v], sxy += axis.x[v] * y[v] * axis.dx[v];
          if (sy > 0) {
            const double vbar = sxy / sy, V = gh.v[j], sig = gh.sigma[j];
            if (std::abs(V) / sig > 1.5 && std::abs(vbar - V) / sig > 3 && V * vbar < 0) {
              bad[o][j] = 1;
              ++n_bad[o];
            }
          }
        }
      }
    }
    for (int j = 0; j < nap; ++j) {
      const double M = m.aperture[ap0 + j];
      const double sig = gh.sigma[j];
      for (int n = 1; n <= N; ++n) {
        double obs = 0, err = 0;
        if (n == 1) obs = 0, err = gh.dv[j] / std::sqrt(2.0) / sig;
        else if (n == 2) obs = 0, err = gh.dsigma[j] / std::sqrt(2.0) / sig;
        else obs = gh.h[n - 3][j], err = gh.dh[n - 3][j];
        const int row = krow + j * N + (n - 1);
        const double econ = M * err;
        sys.b(row) = M * obs / econ;
        for (int o = 0; o < n_orb; ++o) {
          double h = hcoef[static_cast<std::size_t>(o) * nap + j][n - 1];
          const bool cut = bad[o][j] && (s.cr_cut_fortran_rule ? n_bad[o] > 1 : n_bad[o] >= 1);
          if (n == 1 && cut) h = 3.0 / dv_hist;
          sys.A(row, o) = h / econ;
        }
      }
    }
    krow += nap * N;
    ap0 += nap;
  }
  return sys;
}

Chi2 chi2_of(const LinearSystem& sys, const Eigen::VectorXd& w) {
  const Eigen::VectorXd r = sys.A * w - sys.b;
  Chi2 c;
  c.chi2 = r.squaredNorm();
  c.kinchi2 = r.tail(r.size() - sys.first_kinematic_row()).squaredNorm();
  return c;
}

}  // namespace dynamite::weights
