#include "dynamite/physics/mge_potential.hpp"

#include <fmt/format.h>

#include <cmath>

#include "dynamite/core/error.hpp"
#include "dynamite/core/units.hpp"
#include "dynamite/physics/quadrature.hpp"

namespace dynamite::physics {

TriaxialMgePotential::TriaxialMgePotential(const io::Mge& mge, double distance_mpc, const ViewingAngles& angles,
                                           double ml) {
  const double a2km = units::arcsec_to_km(distance_mpc);
  const auto intr = deproject(mge, angles);
  for (std::size_t j = 0; j < mge.size(); ++j) {
    const auto& g = mge.gaussians()[j];
    const double S = units::per_pc2_to_per_km2(g.surface_density) * ml;  // Msun / km^2
    const double sig_obs = g.sigma_arcsec * a2km;
    g_.push_back({2 * units::pi * S * g.q_obs * sig_obs * sig_obs, intr[j].sigma_intr * a2km, intr[j].p, intr[j].q});
  }
}

TriaxialMgePotential::TriaxialMgePotential(std::vector<Gaussian> gaussians) : g_(std::move(gaussians)) {
  for (const auto& g : g_)
    if (!(g.mass > 0 && g.sigma > 0 && g.p > 0 && g.p <= 1 && g.q > 0 && g.q <= g.p))
      throw NumericalError("TriaxialMgePotential: Gaussians need mass, sigma > 0 and 0 < q <= p <= 1");
}

double TriaxialMgePotential::total_mass() const {
  double m = 0;
  for (const auto& g : g_) m += g.mass;
  return m;
}
double TriaxialMgePotential::max_sigma() const {
  double s = 0;
  for (const auto& g : g_) s = std::max(s, g.sigma);
  return s;
}
double TriaxialMgePotential::min_sigma() const {
  double s = 1e300;
  for (const auto& g : g_) s = std::min(s, g.sigma);
  return s;
}

void TriaxialMgePotential::evaluate(const Vec3& x, double* psi_out, Vec3* acc_out) const {
  double psi = 0;
  Vec3 a{0, 0, 0};
  const double r2 = x[0] * x[0] + x[1] * x[1] + x[2] * x[2];
  const double r = std::sqrt(r2);
  for (const auto& g : g_) {
    const double s2 = g.sigma * g.sigma;
    if (r >= 300 * g.sigma) {  // point mass
      const double gm = units::G * g.mass;
      psi += gm / r;
      const double f = gm / (r2 * r);
      for (int i = 0; i < 3; ++i) a[i] -= f * x[i];
      continue;
    }
    const double ep = 1 - g.p * g.p, eq = 1 - g.q * g.q;
    const double x2 = x[0] * x[0], y2 = x[1] * x[1], z2 = x[2] * x[2];
    auto integrand = [&](double t, double* out) {
      const double t2 = t * t;
      const double dp = 1 - ep * t2, dq = 1 - eq * t2;
      const double e = std::exp(-t2 / (2 * s2) * (x2 + y2 / dp + z2 / dq)) / std::sqrt(dp * dq);
      out[0] = e;
      out[1] = t2 * e;
      out[2] = t2 * e / dp;
      out[3] = t2 * e / dq;
    };
    // Beyond t ~ 9 sigma / r the integrand is below e^-40 of its peak: integrate only where it lives.
    const double tmax = r > 0 ? std::min(1.0, 9.0 * g.sigma / r) : 1.0;
    const auto I = integrate_gk15<4>(integrand, 0.0, tmax, 1e-12);
    const double v0 = std::sqrt(2 / units::pi) * units::G * g.mass / g.sigma;
    psi += v0 * I[0];
    a[0] -= v0 * x[0] / s2 * I[1];
    a[1] -= v0 * x[1] / s2 * I[2];
    a[2] -= v0 * x[2] / s2 * I[3];
  }
  if (psi_out) *psi_out = psi;
  if (acc_out) *acc_out = a;
}

double TriaxialMgePotential::psi(const Vec3& x) const {
  double p;
  evaluate(x, &p, nullptr);
  return p;
}

Vec3 TriaxialMgePotential::acceleration(const Vec3& x) const {
  Vec3 a;
  evaluate(x, nullptr, &a);
  return a;
}

}  // namespace dynamite::physics
