#include "dynamite/weights/kinmap.hpp"

#include <cmath>
#include <limits>

#include "dynamite/weights/linear_system.hpp"

namespace dynamite::weights {

bool fit_gaussian(const std::vector<double>& x, const std::vector<double>& y, double& mu, double& s) {
  // Parameters p = (a, mu, s); residual r_i = a g_i - y_i with g_i = exp(-(x_i-mu)^2/(2 s^2)).
  double ymax = 0;
  for (double v : y) ymax = std::max(ymax, v);
  if (!(ymax > 0) || !(s > 0)) return false;
  Eigen::Vector3d p(ymax, mu, s);
  auto cost = [&](const Eigen::Vector3d& q) {
    double c = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double d = (x[i] - q(1)) / q(2);
      const double r = q(0) * std::exp(-0.5 * d * d) - y[i];
      c += r * r;
    }
    return c;
  };
  double lambda = 1e-3, c = cost(p);
  for (int it = 0; it < 200; ++it) {
    Eigen::Matrix3d JTJ = Eigen::Matrix3d::Zero();
    Eigen::Vector3d JTr = Eigen::Vector3d::Zero();
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double d = (x[i] - p(1)) / p(2), g = std::exp(-0.5 * d * d);
      const Eigen::Vector3d J(g, p(0) * g * d / p(2), p(0) * g * d * d / p(2));
      const double r = p(0) * g - y[i];
      JTJ += J * J.transpose();
      JTr += J * r;
    }
    bool improved = false;
    for (int tries = 0; tries < 20 && !improved; ++tries) {
      Eigen::Matrix3d M = JTJ;
      M.diagonal() *= 1 + lambda;
      const Eigen::Vector3d step = M.ldlt().solve(-JTr);
      const Eigen::Vector3d q = p + step;
      const double cq = q(2) > 0 ? cost(q) : std::numeric_limits<double>::infinity();
      if (cq < c) {
        const double rel = (c - cq) / std::max(c, 1e-300);
        p = q, c = cq, lambda *= 0.3, improved = true;
        if (rel < 1e-12) {
          mu = p(1), s = std::abs(p(2));
          return std::isfinite(mu) && std::isfinite(s);
        }
      } else {
        lambda *= 10;
      }
    }
    if (!improved) break;
  }
  mu = p(1), s = std::abs(p(2));
  return std::isfinite(mu) && std::isfinite(s) && s > 0;
}

double kinmap_chi2(const orblib::OrbitLibrary& lib, const Eigen::VectorXd& w, const std::vector<io::KinematicSet>& sets,
                   int number_gh, double velocity_scale) {
  const int nb = lib.n_bundles();
  double chi2 = 0;
  for (std::size_t k = 0; k < sets.size(); ++k) {
    if (!sets[k].gh) return std::numeric_limits<double>::quiet_NaN();
    const auto& gh = *sets[k].gh;
    const auto& tube = lib.tube.losvd[k];
    const int nv = tube.n_vbins;
    const auto axis = VelocityAxis::legacy(tube.dv * nv, nv, velocity_scale);
    const int n = std::min(number_gh, gh.file_max_gh_order);
    for (int j = 0; j < tube.n_apertures; ++j) {
      // Weighted model LOSVD (end bins kept) and flux.
      std::vector<double> L(nv, 0.0);
      double F = 0;
      auto add = [&](const orblib::LosvdCube& c, int b, bool reversed, double wt) {
        if (wt == 0) return;
        const std::size_t e = c.entry(b, j);
        for (int q = 0; q < c.count[e]; ++q) {
          const int bin = c.first[e] + q;
          const double v = wt * c.values[c.offset[e] + q];
          L[reversed ? nv - 1 - bin : bin] += v;
          F += v;
        }
      };
      for (int b = 0; b < nb; ++b) {
        add(tube, b, false, w(2 * b));
        add(tube, b, true, w(2 * b + 1));
        add(lib.box.losvd[k], b, false, w(2 * nb + b));
      }
      if (!(F > 0)) continue;
      // Moments, then the Gaussian fit.
      double s0 = 0, s1 = 0, s2 = 0;
      for (int v = 0; v < nv; ++v) s0 += L[v] * axis.dx[v], s1 += axis.x[v] * L[v] * axis.dx[v];
      const double mean = s1 / s0;
      for (int v = 0; v < nv; ++v) s2 += (axis.x[v] - mean) * (axis.x[v] - mean) * L[v] * axis.dx[v];
      double V = mean, S = std::sqrt(s2 / s0);
      if (S > 0 && std::isfinite(S)) {
        double mu = V, sg = S;
        if (fit_gaussian(axis.x, L, mu, sg)) V = mu, S = sg;
      }
      chi2 += std::pow((gh.v[j] - V) / gh.dv[j], 2) + std::pow((gh.sigma[j] - S) / gh.dsigma[j], 2);
      if (n >= 3) {
        const auto h = gh_coefficients(L, axis, V, S, n);  // h1..hn, already divided by dv
        for (int o = 3; o <= n; ++o) {
          const double model = h[o - 1] / F;
          chi2 += std::pow((gh.h[o - 3][j] - model) / gh.dh[o - 3][j], 2);
        }
      }
    }
  }
  return chi2;
}

}  // namespace dynamite::weights
