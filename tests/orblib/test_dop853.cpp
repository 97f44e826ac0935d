#include <gtest/gtest.h>

#include <cmath>

#include "dynamite/orblib/dop853.hpp"

using namespace dynamite::orblib;

namespace {
// Kepler problem with GM = 1: eccentric orbit, period 2 pi a^1.5.
void kepler(double, const double* y, double* f) {
  const double r2 = y[0] * y[0] + y[1] * y[1] + y[2] * y[2];
  const double r3 = r2 * std::sqrt(r2);
  f[0] = y[3], f[1] = y[4], f[2] = y[5];
  f[3] = -y[0] / r3, f[4] = -y[1] / r3, f[5] = -y[2] / r3;
}
double kepler_energy(const std::array<double, 6>& y) {
  return 0.5 * (y[3] * y[3] + y[4] * y[4] + y[5] * y[5]) - 1 / std::sqrt(y[0] * y[0] + y[1] * y[1] + y[2] * y[2]);
}
}  // namespace

TEST(Dop853, KeplerOrbitConservesEnergyAndReturnsAfterAPeriod) {
  const double e = 0.5;  // start at pericentre of an a = 1 orbit
  const std::array<double, 6> y0{1 - e, 0, 0, 0, std::sqrt((1 + e) / (1 - e)), 0};
  Dop853Settings s;
  s.rtol = s.atol = 1e-12;
  const double T = 2 * M_PI;
  auto r = dop853_integrate<6>(kepler, 0.0, y0, 20 * T, s, [](const DenseStep<6>&) { return true; });
  ASSERT_EQ(r.status, Dop853Status::Success);
  EXPECT_NEAR(r.t, 20 * T, 1e-12);
  EXPECT_NEAR(kepler_energy(r.y), kepler_energy(y0), 1e-10);
  // Phase error grows linearly over the 20 periods; 1e-12 tolerances keep it below 1e-7.
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(r.y[i], y0[i], 1e-7) << i;
}

TEST(Dop853, EighthOrderConvergenceWithFixedSteps) {
  // Harmonic oscillator x'' = -x over [0, 10] with fixed steps h and h/2: error ratio ~ 2^8.
  auto osc = [](double, const double* y, double* f) {
    f[0] = y[1];
    f[1] = -y[0];
  };
  auto err_for = [&](double h) {
    Dop853Settings s;
    s.rtol = s.atol = 1e3;  // never reject
    s.h_init = h;
    s.h_max = h;
    auto r = dop853_integrate<2>(osc, 0.0, {1.0, 0.0}, 10.0, s, [](const DenseStep<2>&) { return true; });
    return std::abs(r.y[0] - std::cos(10.0));
  };
  const double e1 = err_for(0.5), e2 = err_for(0.25);
  EXPECT_GT(e1 / e2, 150.0);
  EXPECT_LT(e1 / e2, 600.0);
}

TEST(Dop853, DenseOutputIsAccurateInsideSteps) {
  auto osc = [](double, const double* y, double* f) {
    f[0] = y[1];
    f[1] = -y[0];
  };
  Dop853Settings s;
  s.rtol = s.atol = 1e-10;
  double worst = 0;
  long n = 0;
  auto obs = [&](const DenseStep<2>& d) {
    for (int k = 1; k < 10; ++k) {
      const double t = d.t_old() + d.h() * k / 10.0;
      worst = std::max(worst, std::abs(d.value(0, t) - std::cos(t)));
      ++n;
    }
    return true;
  };
  auto r = dop853_integrate<2>(osc, 0.0, {1.0, 0.0}, 30.0, s, obs);
  ASSERT_EQ(r.status, Dop853Status::Success);
  EXPECT_GT(n, 50);
  EXPECT_LT(worst, 1e-8);
}

TEST(Dop853, ReportsTooManyStepsAndStopping) {
  Dop853Settings s;
  s.rtol = s.atol = 1e-12;
  s.max_steps = 10;
  const std::array<double, 6> y0{1, 0, 0, 0, 1, 0};
  auto r = dop853_integrate<6>(kepler, 0.0, y0, 1000.0, s, [](const DenseStep<6>&) { return true; });
  EXPECT_EQ(r.status, Dop853Status::TooManySteps);
  s.max_steps = 100000;
  int calls = 0;
  auto r2 = dop853_integrate<6>(kepler, 0.0, y0, 1000.0, s, [&](const DenseStep<6>&) { return ++calls < 5; });
  EXPECT_EQ(r2.status, Dop853Status::Stopped);
  EXPECT_EQ(calls, 5);
}
