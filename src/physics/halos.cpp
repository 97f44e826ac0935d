#include "dynamite/physics/halos.hpp"

#include <fmt/format.h>

#include <cmath>

#include "dynamite/core/error.hpp"
#include "dynamite/core/units.hpp"
#include "dynamite/physics/quadrature.hpp"

namespace dynamite::physics {

using units::G;
using units::pi;

PlummerPotential::PlummerPotential(double mass, double softening_km)
    : gm_(G * mass), eps2_(softening_km * softening_km) {
  if (!(mass >= 0)) throw NumericalError("PlummerPotential: black-hole mass must be >= 0");
}
double PlummerPotential::psi(const Vec3& x) const {
  return gm_ / std::sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2] + eps2_);
}
Vec3 PlummerPotential::acceleration(const Vec3& x) const {
  const double d2 = x[0] * x[0] + x[1] * x[1] + x[2] * x[2] + eps2_;
  const double f = gm_ / (d2 * std::sqrt(d2));
  return {-f * x[0], -f * x[1], -f * x[2]};
}

Vec3 SphericalHalo::acceleration(const Vec3& x) const {
  const double r = std::sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
  if (r == 0) return {0, 0, 0};
  const double f = G * enclosed_mass(r) / (r * r * r);
  return {-f * x[0], -f * x[1], -f * x[2]};
}

NfwPotential::NfwPotential(double c, double m200) {
  if (!(c > 0 && m200 > 0)) throw NumericalError(fmt::format("NfwPotential: need c > 0 and M200 > 0 (c = {}, M200 = {})", c, m200));
  const double rho_crit = units::rho_crit();
  rhoc_ = 200.0 / 3.0 * rho_crit * c * c * c / (std::log(1 + c) - c / (1 + c));
  rs_ = std::cbrt(3 * m200 / (800 * pi * rho_crit * c * c * c));
}
namespace {
/// ln(1+s) accurately for small s (the original uses 2 atanh(s/(2+s)) for s < 1).
double log1p_acc(double s) { return std::log1p(s); }
}  // namespace
double NfwPotential::psi_r(double r) const {
  const double s = r / rs_;
  if (s < 1e-8) return 4 * pi * G * rhoc_ * rs_ * rs_ * (1 - 0.5 * s);
  return 4 * pi * G * rhoc_ * rs_ * rs_ * rs_ * log1p_acc(s) / r;
}
double NfwPotential::enclosed_mass(double r) const {
  const double s = r / rs_;
  const double m = s < 1e-4 ? s * s * (0.5 - 2.0 * s / 3.0 + 0.75 * s * s) : log1p_acc(s) - s / (1 + s);
  return 4 * pi * rhoc_ * rs_ * rs_ * rs_ * m;
}

double c200_dutton_maccio(double m200) {
  const double h = units::H0 / 100.0;
  return std::pow(10.0, 0.905 - 0.101 * std::log10(m200 / (1e12 / h)));
}

HernquistPotential::HernquistPotential(double rhoc, double rc_km) : rhoc_(rhoc), rc_(rc_km) {
  if (!(rhoc > 0 && rc_km > 0)) throw NumericalError("HernquistPotential: need rhoc > 0 and rc > 0");
}
double HernquistPotential::psi_r(double r) const { return 2 * pi * G * rhoc_ * rc_ * rc_ / (1 + r / rc_); }
double HernquistPotential::enclosed_mass(double r) const {
  const double s = r / rc_;
  return 2 * pi * rhoc_ * rc_ * rc_ * rc_ * s * s / ((1 + s) * (1 + s));
}

GeneralisedNfwPotential::GeneralisedNfwPotential(double c, double mvir, double gamma) : c_(c), gamma_(gamma) {
  if (!(c > 0 && mvir > 0 && gamma <= 1 && gamma > -1))
    throw NumericalError("GeneralisedNfwPotential: need c > 0, Mvir > 0 and -1 < gam <= 1");
  const double rho_crit = units::rho_crit();
  rc_ = std::cbrt(3 * mvir / (800 * pi * rho_crit * c * c * c));
  rhoc_ = 200.0 / 3.0 * rho_crit * c * c * c / mass_integral(c);
}
double GeneralisedNfwPotential::mass_integral(double s) const {
  if (s <= 0) return 0;
  // In u = ln(1 + x) the integrand is smooth on [0, ln(1+s)] for gamma <= 1.
  const double g = gamma_;
  auto f = [g](double u, double* out) {
    const double x = std::expm1(u);
    out[0] = std::pow(x, 2 - g) * std::pow(1 + x, g - 2);  // dx = (1+x) du
  };
  return integrate_gk15<1>(f, 0.0, std::log1p(s), 1e-13)[0];
}
double GeneralisedNfwPotential::enclosed_mass(double r) const {
  return 4 * pi * rhoc_ * rc_ * rc_ * rc_ * mass_integral(r / rc_);
}
double GeneralisedNfwPotential::psi_r(double r) const {
  // psi = G M(<r)/r + 4 pi G int_r^inf rho r' dr'; the outer integral is analytic:
  // 4 pi G rho_c r_c^2 (1 - xi^(2-g)) / (2-g), xi = r / (r + r_c).
  const double xi = r / (r + rc_);
  const double outer = 4 * pi * G * rhoc_ * rc_ * rc_ * (1 - std::pow(xi, 2 - gamma_)) / (2 - gamma_);
  if (r == 0) return outer;
  return G * enclosed_mass(r) / r + outer;
}

CoredLogPotential::CoredLogPotential(double vc, double rc_km, double p, double q)
    : vc2_(vc * vc), rc2_(rc_km * rc_km), p2_(p * p), q2_(q * q) {
  if (!(q > 0 && q <= p && p <= 1 && rc_km > 0))
    throw NumericalError("CoredLogPotential: need 0 < q <= p <= 1 and Rc > 0");
}
double CoredLogPotential::psi(const Vec3& x) const {
  const double m2 = x[0] * x[0] + x[1] * x[1] / p2_ + x[2] * x[2] / q2_;
  return -0.5 * vc2_ * std::log(rc2_ + m2);
}
Vec3 CoredLogPotential::acceleration(const Vec3& x) const {
  const double d = rc2_ + x[0] * x[0] + x[1] * x[1] / p2_ + x[2] * x[2] / q2_;
  return {-vc2_ * x[0] / d, -vc2_ * x[1] / p2_ / d, -vc2_ * x[2] / q2_ / d};
}

}  // namespace dynamite::physics
