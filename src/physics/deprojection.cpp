#include "dynamite/physics/deprojection.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "dynamite/core/error.hpp"
#include "dynamite/core/units.hpp"

namespace dynamite::physics {

namespace {

bool isclose(double a, double b) { return std::abs(a - b) <= 1e-8 + 1e-5 * std::abs(b); }

/// The inequality part of the original's validity test; the w >= 0 checks come later.
bool shape_admissible(double p, double q, double u, double qobs) {
  const double T = (1 - p * p) / (1 - q * q);
  if (!(T >= 0 && T <= 1)) return false;  // also rejects NaN
  return std::max(q / qobs, p) < u && u <= std::min(p / qobs, 1.0);
}

}  // namespace

std::optional<ViewingAngles> viewing_angles_from_pqu(double p, double q, double u, double qobs) {
  if (!(std::isfinite(p) && std::isfinite(q) && std::isfinite(u) && std::isfinite(qobs)))
    return std::nullopt;
  // u = 1 makes the formulas singular; the original moves it just below 1.
  if (u == 1.0) u *= 1.0 - std::ldexp(1.0, -53);
  if (isclose(u, p)) u = p;
  if (!shape_admissible(p, q, u, qobs)) return std::nullopt;

  const double o2 = qobs * qobs, p2 = p * p, q2 = q * q, u2 = u * u;
  const double w1 = (u2 - q2) * (o2 * u2 - q2) / ((1 - q2) * (p2 - q2));
  const double w2 = (u2 - p2) * (p2 - o2 * u2) * (1 - q2) / ((1 - u2) * (1 - o2 * u2) * (p2 - q2));
  const double w3 = (1 - o2 * u2) * (p2 - o2 * u2) * (u2 - q2) / ((1 - u2) * (u2 - p2) * (o2 * u2 - q2));
  if (!(w1 >= 0 && w2 >= 0 && w3 >= 0) || !std::isfinite(w1) || !std::isfinite(w2))
    return std::nullopt;
  ViewingAngles a;
  a.theta_deg = units::rad_to_deg(std::acos(std::sqrt(w1)));
  a.phi_deg = units::rad_to_deg(std::atan(std::sqrt(w2)));
  a.psi_deg = 180.0 - units::rad_to_deg(std::atan(std::sqrt(w3)));
  if (!(std::isfinite(a.theta_deg) && std::isfinite(a.phi_deg) && std::isfinite(a.psi_deg)))
    return std::nullopt;
  return a;
}

std::string suggest_pqu(double qobs) {
  // Scan (0,1]^3 as the original does and summarise the admissible region.
  constexpr int n = 199;
  double p_lo = 1, p_hi = 0, q_lo = 1, q_hi = 0, u_lo = 1, u_hi = 0;
  double p_sum = 0, q_sum = 0;
  long n_valid = 0, n_u09 = 0;
  for (int i = 1; i <= n; ++i) {
    const double q = static_cast<double>(i) / n;
    for (int j = 1; j <= n; ++j) {
      const double p = static_cast<double>(j) / n;
      if (q > p) continue;
      for (int k = 1; k <= n; ++k) {
        const double u = static_cast<double>(k) / n;
        if (!(std::max(q / qobs, p) < u && u < std::min(p / qobs, 1.0))) continue;
        ++n_valid;
        p_lo = std::min(p_lo, p), p_hi = std::max(p_hi, p);
        q_lo = std::min(q_lo, q), q_hi = std::max(q_hi, q);
        u_lo = std::min(u_lo, u), u_hi = std::max(u_hi, u);
        if (std::abs(u - 0.9) < 0.005) {
          ++n_u09;
          p_sum += p;
          q_sum += q;
        }
      }
    }
  }
  if (n_valid == 0 || n_u09 == 0)
    return fmt::format("no valid (p, q, u) exists for the flattest observed Gaussian q' = {}", qobs);
  auto range = [](const char* name, double lo, double hi) {
    return fmt::format("{}: lo {:.3f}, hi {:.3f}, step {:.4f}, minstep {:.4f}", name, lo, hi,
                       (hi - lo) / 5, (hi - lo) / 20);
  };
  return fmt::format(
      "With the flattest observed Gaussian q' = {:.5f}, valid shapes need q <= p and "
      "max(q/q', p) < u <= min(p/q', 1). Suggested start values: p = {:.4f}, q = {:.4f}, u = 0.9. "
      "Valid ranges: {}; {}; {}.",
      qobs, p_sum / n_u09, q_sum / n_u09, range("p", p_lo, p_hi), range("q", q_lo, q_hi),
      range("u", u_lo, u_hi));
}

std::vector<IntrinsicGaussian> deproject(const io::Mge& mge, const ViewingAngles& angles) {
  const double th = units::deg_to_rad(angles.theta_deg);
  const double ph = units::deg_to_rad(angles.phi_deg);
  const double secth = 1 / std::cos(th), costh = std::cos(th), tanph = std::tan(ph);
  const double cotph = 1 / tanph, sin2th = std::sin(th) * std::sin(th);
  std::vector<IntrinsicGaussian> out;
  out.reserve(mge.size());
  for (std::size_t j = 0; j < mge.size(); ++j) {
    const io::MgeGaussian& g = mge.gaussians()[j];
    const double psi = units::deg_to_rad(angles.psi_deg + g.pa_twist_deg);
    const double delta = 1 - g.q_obs * g.q_obs;
    const double c2 = std::cos(2 * psi), s2 = std::sin(2 * psi);
    const double n1 = delta * (2 * c2 + s2 * (secth * cotph - costh * tanph));
    const double n2 = delta * (2 * c2 + s2 * (costh * cotph - secth * tanph));
    const double d = 2 * sin2th *
                     (delta * std::cos(psi) * (std::cos(psi) + secth * cotph * std::sin(psi)) - 1);
    const double q2 = 1 - n1 / d;
    const double p2 = q2 + n2 / d;
    const double T = (1 - p2) / (1 - q2);
    if (!(q2 > 0 && p2 > 0 && q2 <= p2 && p2 <= 1 && T >= 0 && T <= 1))
      throw NumericalError(fmt::format(
          "deproject: Gaussian {} (q' = {}, twist {} deg) cannot be deprojected at theta = {}, "
          "phi = {}, psi = {} deg (p^2 = {}, q^2 = {})",
          j + 1, g.q_obs, g.pa_twist_deg, angles.theta_deg, angles.phi_deg, angles.psi_deg, p2, q2));
    IntrinsicGaussian ig;
    ig.p = std::sqrt(p2);
    ig.q = std::sqrt(q2);
    const double proj = std::sqrt(p2 * costh * costh +
                                  q2 * sin2th * (p2 * std::cos(ph) * std::cos(ph) +
                                                 std::sin(ph) * std::sin(ph)));
    ig.u = std::sqrt(proj / g.q_obs);  // u = sigma_obs / sigma_intr
    ig.sigma_intr = g.sigma_arcsec / ig.u;
    out.push_back(ig);
  }
  return out;
}

}  // namespace dynamite::physics
