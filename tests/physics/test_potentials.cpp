#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>

#include "dynamite/core/units.hpp"
#include "dynamite/physics/force_field.hpp"
#include "dynamite/physics/galaxy_potential.hpp"
#include "dynamite/physics/halos.hpp"
#include "dynamite/physics/mge_potential.hpp"
#include "dynamite/physics/quadrature.hpp"
#include "test_support.hpp"

using namespace dynamite;
using namespace dynamite::physics;

namespace {
constexpr double kpc = units::kpc_km;

double rel(double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-300); }

/// |grad psi - a| / |a| by central differences with step h (km).
double gradient_mismatch(const Potential& p, const Vec3& x, double h) {
  const Vec3 a = p.acceleration(x);
  double worst = 0, norm = std::sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
  for (int i = 0; i < 3; ++i) {
    Vec3 xp = x, xm = x;
    xp[i] += h, xm[i] -= h;
    const double g = (p.psi(xp) - p.psi(xm)) / (2 * h);
    worst = std::max(worst, std::abs(g - a[i]) / norm);
  }
  return worst;
}

GalaxyPotentialSpec toy_spec() {
  GalaxyPotentialSpec s;
  s.mge = io::Mge({{20000.0, 0.5, 0.9, 0.0}, {2000.0, 2.0, 0.6, 0.0}, {300.0, 8.0, 0.75, 0.0}});
  s.distance_mpc = 40;
  s.angles = *viewing_angles_from_pqu(0.9, 0.5, 0.95, 0.6);
  s.ml = 4;
  s.bh_mass = 1e8;
  s.bh_softening_arcsec = 0.001;
  s.halo = {HaloType::NFW, {10.0, 10.0}};
  s.logrmin = -1.0;
  s.logrmax = 1.8;
  return s;
}
}  // namespace

TEST(Quadrature, GaussKronrodIsExactForPolynomialsAndAccurateForSmoothFunctions) {
  auto poly = [](double t, double* o) { o[0] = 23 * std::pow(t, 22) + 3 * t * t; };
  EXPECT_NEAR(integrate_gk15<1>(poly, 0.0, 1.0)[0], 2.0, 1e-14);
  auto smooth = [](double t, double* o) {
    o[0] = std::exp(-t * t * 400);
    o[1] = std::cos(t);
  };
  const auto r = integrate_gk15<2>(smooth, 0.0, 1.0, 1e-13);
  EXPECT_NEAR(r[0], std::sqrt(units::pi) / 40 * std::erf(20.0), 1e-15);
  EXPECT_NEAR(r[1], std::sin(1.0), 1e-14);
}

TEST(MgePotential, SphericalGaussianMatchesClosedForm) {
  const double M = 1e10, sigma = 3 * kpc;
  TriaxialMgePotential p({{M, sigma, 1.0, 1.0}});
  for (double r : {1e-6 * sigma, 0.01 * sigma, 0.5 * sigma, 1.0 * sigma, 3.0 * sigma, 20.0 * sigma, 299.0 * sigma}) {
    const Vec3 x{r * 0.6, r * 0.48, r * 0.64};
    const double psi_exact = units::G * M / r * std::erf(r / (std::sqrt(2.0) * sigma));
    const double m_in = M * (std::erf(r / (std::sqrt(2.0) * sigma)) -
                             std::sqrt(2 / units::pi) * r / sigma * std::exp(-r * r / (2 * sigma * sigma)));
    const double g_exact = units::G * m_in / (r * r);
    const Vec3 a = p.acceleration(x);
    const double g = std::sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
    EXPECT_LT(rel(p.psi(x), psi_exact), 1e-10) << r / sigma;
    if (r > 1e-3 * sigma) {
      EXPECT_LT(rel(g, g_exact), 1e-10) << r / sigma;
    }
  }
}

TEST(Halos, PlummerClosedForm) {
  PlummerPotential p(1e9, 10.0);
  const Vec3 x{30.0, 40.0, 0.0};
  EXPECT_NEAR(p.psi(x), units::G * 1e9 / std::sqrt(2600.0), 1e-10 * p.psi(x));
  EXPECT_NEAR(p.acceleration(x)[0], -units::G * 1e9 * 30 / std::pow(2600.0, 1.5), 1e-10 * std::abs(p.acceleration(x)[0]));
}

TEST(Halos, ForcesMatchAnalyticEnclosedMass) {
  const double c = 8, m200 = 1e12;
  NfwPotential nfw(c, m200);
  const double rs = nfw.scale_radius();
  // M(<r200) = M200 by construction of rho_c and r_s.
  EXPECT_NEAR(nfw.enclosed_mass(c * rs) / m200, 1.0, 1e-12);
  GeneralisedNfwPotential g1(c, m200, 1.0);
  GeneralisedNfwPotential g0(c, m200, 0.0);
  HernquistPotential hq(1e-30, 5 * kpc);
  for (double r : {0.01 * rs, 0.3 * rs, rs, 4 * rs, 30 * rs}) {
    const Vec3 x{r, 0, 0};
    // gamma = 1 is NFW.
    EXPECT_LT(rel(g1.acceleration(x)[0], nfw.acceleration(x)[0]), 1e-10);
    EXPECT_LT(rel(g1.psi(x), nfw.psi(x)), 1e-10);
    // gamma = 0: int_0^s x^2 (1+x)^-3 dx = ln(1+s) + 2/(1+s) - 1/(2(1+s)^2) - 3/2.
    const double s = r / (std::cbrt(3 * m200 / (800 * units::pi * units::rho_crit() * c * c * c)));
    const double I = std::log1p(s) + 2 / (1 + s) - 0.5 / ((1 + s) * (1 + s)) - 1.5;
    const double Ic = std::log1p(c) + 2 / (1 + c) - 0.5 / ((1 + c) * (1 + c)) - 1.5;
    EXPECT_LT(rel(g0.enclosed_mass(r), m200 * I / Ic), 1e-10);
    EXPECT_LT(rel(-hq.acceleration(x)[0], units::G * hq.enclosed_mass(r) / (r * r)), 1e-12);
    EXPECT_LT(rel(-nfw.acceleration(x)[0], units::G * nfw.enclosed_mass(r) / (r * r)), 1e-12);
  }
  for (const Potential* p : std::initializer_list<const Potential*>{&nfw, &g0, &hq})
    for (double r : {0.2 * rs, 3 * rs}) EXPECT_LT(gradient_mismatch(*p, {r * 0.6, r * 0.64, r * 0.48}, r * 1e-4), 1e-7);
  CoredLogPotential log(200.0, 1 * kpc, 0.9, 0.7);
  EXPECT_LT(gradient_mismatch(log, {2 * kpc, 1 * kpc, 0.5 * kpc}, 1e-4 * kpc), 1e-7);
}

TEST(MgePotential, ForceIsGradientOfPotentialAndRegimesJoin) {
  const auto spec = toy_spec();
  GalaxyPotential gal(spec);
  const double s0 = gal.stars().min_sigma();
  for (double r : {0.02 * s0, 0.7 * s0, 5 * s0, 40 * s0}) {
    EXPECT_LT(gradient_mismatch(gal, {r * 0.5, r * 0.6, r * 0.6245}, r * 1e-4), 1e-7) << r / s0;
    EXPECT_LT(gradient_mismatch(gal.stars(), {r * 0.2, r * 0.3, r * 0.9327}, r * 1e-4), 1e-7) << r / s0;
  }
  // Point mass beyond 300 sigma joins the quadrature within the quadrupole term ~ (sigma/r)^2.
  const auto& g = gal.stars().gaussians()[0];
  TriaxialMgePotential one({g});
  const double r = 300 * g.sigma;
  const Vec3 in{r * 0.999 * 0.6, r * 0.999 * 0.48, r * 0.999 * 0.64}, out{r * 1.001 * 0.6, r * 1.001 * 0.48, r * 1.001 * 0.64};
  EXPECT_LT(rel(one.psi(in) * 0.999, one.psi(out) * 1.001), 1e-4);
}

namespace {
double max_force_error(const InterpolatedForceField& f, double rmin, double rmax, int n, unsigned seed) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> U(0, 1);
  double worst = 0;
  for (int k = 0; k < n; ++k) {
    const double r = rmin * std::pow(rmax / rmin, U(gen));
    const double ct = 2 * U(gen) - 1, ph = 2 * units::pi * U(gen), st = std::sqrt(1 - ct * ct);
    const Vec3 x{r * st * std::cos(ph), r * st * std::sin(ph), r * ct};
    const Vec3 a = f.acceleration(x), b = f.direct().acceleration(x);
    const double nb = std::sqrt(b[0] * b[0] + b[1] * b[1] + b[2] * b[2]);
    const double d = std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
    worst = std::max(worst, d / nb);
  }
  return worst;
}
}  // namespace

TEST(ForceField, MatchesDirectForcesToTenToTheMinusFive) {
  const auto spec = toy_spec();
  auto gal = std::make_shared<GalaxyPotential>(spec);
  const double a2km = units::arcsec_to_km(spec.distance_mpc);
  const auto grid = InterpolatedForceField::default_grid(0.5 * a2km, gal->stars().max_sigma(),
                                                         std::pow(10.0, spec.logrmin) * a2km, std::pow(10.0, spec.logrmax) * a2km);
  InterpolatedForceField f(gal, grid);
  EXPECT_LT(max_force_error(f, std::pow(10.0, spec.logrmin) * a2km * 0.05, std::pow(10.0, spec.logrmax) * a2km * 2, 3000, 1), 1e-5);
}

TEST(ForceField, CoreTableBelowTheMainShellMatchesDirectForces) {
  // Box orbits come far inside r_min; the core table there must be as accurate as the main shell.
  const auto spec = toy_spec();
  auto gal = std::make_shared<GalaxyPotential>(spec);
  const double a2km = units::arcsec_to_km(spec.distance_mpc);
  const auto grid = InterpolatedForceField::default_grid(0.5 * a2km, gal->stars().max_sigma(),
                                                         std::pow(10.0, spec.logrmin) * a2km, std::pow(10.0, spec.logrmax) * a2km);
  ASSERT_GT(grid.n_u_core, 0);
  InterpolatedForceField f(gal, grid);
  EXPECT_LT(max_force_error(f, grid.r_core, grid.r_min * 1.2, 3000, 3), 1e-5);
  // Below the core table the direct forces are used: exact.
  const Vec3 x{grid.r_core * 0.3, grid.r_core * 0.2, grid.r_core * 0.1};
  EXPECT_EQ(f.acceleration(x), gal->acceleration(x));
}

TEST(ForceField, ReferenceModelOfTheOriginal) {
  DYNAMITE_REQUIRE_SHARED(shared);
  auto spec = read_legacy_parameters_pot(shared / "reference-outputs/NGC6278_ml654/infil/parameters_pot.in");
  EXPECT_EQ(spec.mge.size(), 6u);
  EXPECT_DOUBLE_EQ(spec.angles.theta_deg, 82.444308859);
  EXPECT_EQ(spec.halo.type, HaloType::NFW);
  EXPECT_DOUBLE_EQ(spec.halo.params[0], 1000.0);
  auto gal = std::make_shared<GalaxyPotential>(spec);
  const double a2km = units::arcsec_to_km(spec.distance_mpc);
  const auto grid = InterpolatedForceField::default_grid(spec.mge.gaussians()[0].sigma_arcsec * a2km, gal->stars().max_sigma(),
                                                         std::pow(10.0, spec.logrmin) * a2km, std::pow(10.0, spec.logrmax) * a2km);
  InterpolatedForceField f(gal, grid);
  EXPECT_LT(max_force_error(f, std::pow(10.0, spec.logrmin) * a2km * 0.05, std::pow(10.0, spec.logrmax) * a2km * 1.5, 10000, 2), 1e-5);
  EXPECT_LT(max_force_error(f, grid.r_core, grid.r_min * 1.2, 10000, 3), 1e-5);
}
