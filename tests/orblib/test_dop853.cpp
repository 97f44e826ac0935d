#include <gtest/gtest.h>

#include <cmath>
#include <vector>

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

TEST(Dop853, KeplerEnergyAndPeriodOverManyPeriodsAtTightTolerance) {
  // e = 0.7 orbit over 100 periods: energy to 1e-9 and the period from the dense output. The orbit
  // starts at pericentre (y = 0, y' > 0): each period ends at an upward crossing of y = 0.
  const double e = 0.7;
  const std::array<double, 6> y0{1 - e, 0, 0, 0, std::sqrt((1 + e) / (1 - e)), 0};
  Dop853Settings s;
  s.rtol = s.atol = 1e-13;
  const double T = 2 * M_PI;
  std::vector<double> crossings;
  double worst_energy = 0;
  auto obs = [&](const DenseStep<6>& d) {
    const double a = d.value(1, d.t_old()), b = d.value(1, d.t_new());
    if (a < 0 && b >= 0) {  // bisection on the dense output
      double lo = d.t_old(), hi = d.t_new();
      for (int it = 0; it < 200 && hi - lo > 1e-15 * hi; ++it) {
        const double m = 0.5 * (lo + hi);
        (d.value(1, m) < 0 ? lo : hi) = m;
      }
      crossings.push_back(0.5 * (lo + hi));
    }
    std::array<double, 6> y;
    d.state(d.t_new(), y);
    worst_energy = std::max(worst_energy, std::abs(kepler_energy(y) - kepler_energy(y0)));
    return true;
  };
  auto r = dop853_integrate<6>(kepler, 0.0, y0, 100.5 * T, s, obs);
  ASSERT_EQ(r.status, Dop853Status::Success);
  EXPECT_LT(worst_energy / std::abs(kepler_energy(y0)), 1e-9);
  ASSERT_EQ(crossings.size(), 100u);
  for (std::size_t n = 0; n < crossings.size(); ++n) EXPECT_NEAR(crossings[n] / ((n + 1) * T), 1.0, 1e-9) << n;
}

TEST(Dop853, HarmonicOscillatorMatchesTheAnalyticSolutionWithinTolerance) {
  // x'' = -w^2 x with adaptive steps: the global error scales with the tolerance.
  const double w = 3.0;
  auto osc = [w](double, const double* y, double* f) {
    f[0] = y[1];
    f[1] = -w * w * y[0];
  };
  for (double tol : {1e-6, 1e-9, 1e-12}) {
    Dop853Settings s;
    s.rtol = s.atol = tol;
    double worst = 0;
    auto obs = [&](const DenseStep<2>& d) {
      for (int k = 0; k <= 4; ++k) {
        const double t = d.t_old() + d.h() * k / 4.0;
        worst = std::max({worst, std::abs(d.value(0, t) - std::cos(w * t)), std::abs(d.value(1, t) + w * std::sin(w * t)) / w});
      }
      return true;
    };
    auto r = dop853_integrate<2>(osc, 0.0, {1.0, 0.0}, 20.0, s, obs);
    ASSERT_EQ(r.status, Dop853Status::Success);
    EXPECT_LT(worst, 200 * tol) << tol;
    EXPECT_GT(r.accepted, 3);
  }
}

TEST(Dop853, AutomaticInitialStepAndIndependentCalls) {
  // Two identical calls give bit-identical results (no state carried between integrations), and a
  // fixed h_init changes only the path, not the answer beyond the tolerance.
  Dop853Settings s;
  s.rtol = s.atol = 1e-10;
  const std::array<double, 6> y0{1, 0, 0, 0, 1.2, 0.1};
  auto none = [](const DenseStep<6>&) { return true; };
  auto a = dop853_integrate<6>(kepler, 0.0, y0, 30.0, s, none);
  auto b = dop853_integrate<6>(kepler, 0.0, y0, 30.0, s, none);
  EXPECT_EQ(a.y, b.y);
  EXPECT_EQ(a.steps, b.steps);
  s.h_init = 1e-3;
  auto c = dop853_integrate<6>(kepler, 0.0, y0, 30.0, s, none);
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(c.y[i], a.y[i], 1e-6);
}

TEST(Dop853, ReportsStepTooSmallAtASingularity) {
  // y' = 1 / (1 - t)^2 blows up at t = 1: the step size collapses before t_end = 2.
  auto blowup = [](double t, const double*, double* f) { f[0] = 1.0 / ((1 - t) * (1 - t)); };
  Dop853Settings s;
  s.rtol = s.atol = 1e-8;
  auto r = dop853_integrate<1>(blowup, 0.0, {1.0}, 2.0, s, [](const DenseStep<1>&) { return true; });
  EXPECT_EQ(r.status, Dop853Status::StepTooSmall);
  EXPECT_LT(r.t, 1.0);
  EXPECT_GT(r.t, 0.99);
}

TEST(Dop853, TwoSystemsSideBySideAreBitIdenticalToSeparateIntegrations) {
  // Two Kepler orbits of different eccentricity and length: their step sequences, rejections and
  // ends differ, so the pair driver runs them out of step and finishes one alone.
  const std::array<double, 6> ya{0.7, 0, 0, 0, std::sqrt(1.3 / 0.7), 0.1};
  const std::array<double, 6> yb{0.2, 0.05, 0, 0, std::sqrt(1.8 / 0.2), 0};
  Dop853Settings s;
  s.rtol = s.atol = 1e-9;
  auto sampler = [](std::vector<double>& out) {
    return [&out](const DenseStep<6>& d) {
      for (int k = 0; k < 3; ++k) out.push_back(d.value(k, d.t_old() + 0.37 * d.h()));
      return true;
    };
  };
  std::vector<double> sa, sb, pa, pb;
  const auto ra = dop853_integrate<6>(kepler, 0.0, ya, 40.0, s, sampler(sa));
  const auto rb = dop853_integrate<6>(kepler, 0.0, yb, 25.0, s, sampler(sb));
  int pair_calls = 0;
  auto kepler2 = [&](double ta, const double* y1, double* f1, double tb, const double* y2, double* f2) {
    ++pair_calls;
    kepler(ta, y1, f1);
    kepler(tb, y2, f2);
  };
  const auto r = dop853_integrate_pair<6>(kepler, kepler2, 0.0, ya, 40.0, 0.0, yb, 25.0, s, sampler(pa), sampler(pb));
  EXPECT_GT(rb.rejected + ra.rejected, 0);
  EXPECT_GT(pair_calls, 1000);
  EXPECT_EQ(pair_calls, std::min(ra.evaluations, rb.evaluations));
  for (const auto& [one, both] : {std::pair{&ra, &r[0]}, std::pair{&rb, &r[1]}}) {
    EXPECT_EQ(both->status, Dop853Status::Success);
    EXPECT_EQ(both->y, one->y);
    EXPECT_EQ(both->t, one->t);
    EXPECT_EQ(both->steps, one->steps);
    EXPECT_EQ(both->rejected, one->rejected);
    EXPECT_EQ(both->evaluations, one->evaluations);
  }
  EXPECT_EQ(pa, sa);
  EXPECT_EQ(pb, sb);
}
