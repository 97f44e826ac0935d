// A small orbit library built with an exact integrator (isotropic harmonic oscillator), for tests
// of the library builder that need no potential and no real integration.
#pragma once

#include <memory>
#include <cmath>

#include "dynamite/orblib/library_builder.hpp"

namespace dynamite::orblib::testfix {

inline constexpr double kOmega = 1e-15;  // 1/s: periods of ~6e15 s as in galaxies
inline constexpr double kPsi0 = 1e6;     // (km/s)^2, binding-potential constant

/// x(t) = x0 cos(wt) + v0/w sin(wt); `fail_when_x0_above`: fail orbits starting beyond that x.
inline OrbitIntegrator harmonic_integrator(double fail_when_x0_above = 1e300) {
  return [=](const std::array<double, 6>& w0, double t_end, double, double,
             std::span<const double> times, OrbitSamples& out) {
    IntegrationResult r;
    if (w0[0] > fail_when_x0_above) return r;  // status Failed
    auto state = [&](double t, double* w) {
      const double c = std::cos(kOmega * t), s = std::sin(kOmega * t);
      for (int i = 0; i < 3; ++i) {
        w[i] = w0[i] * c + w0[i + 3] / kOmega * s;
        w[i + 3] = -w0[i] * kOmega * s + w0[i + 3] * c;
      }
    };
    out.resize(times.size());
    for (std::size_t n = 0; n < times.size(); ++n) {
      double w[6];
      state(times[n], w);
      out.x[n] = w[0], out.y[n] = w[1], out.z[n] = w[2];
      out.vx[n] = w[3], out.vy[n] = w[4], out.vz[n] = w[5];
    }
    double we[6];
    state(t_end, we);
    std::copy(we, we + 6, r.w_end.begin());
    r.status = IntegrationStatus::Success;
    return r;
  };
}

inline BindingEnergy harmonic_energy() {
  return [](const std::array<double, 6>& w) {
    const double r2 = w[0] * w[0] + w[1] * w[1] + w[2] * w[2];
    const double v2 = w[3] * w[3] + w[4] * w[4] + w[5] * w[5];
    return kPsi0 - 0.5 * kOmega * kOmega * r2 - 0.5 * v2;
  };
}

/// Start spaces on a dithered grid: tubes start in the x-z plane moving in +y, boxes at rest.
inline void make_start_spaces(const LibrarySettings& s, std::vector<StartPoint>& tubes,
                              std::vector<StartPoint>& boxes) {
  const int nd = s.dithering;
  for (int i = 1; i <= s.nE * nd; ++i)
    for (int j = 1; j <= s.nI2 * nd; ++j)
      for (int k = 1; k <= s.nI3 * nd; ++k) {
        const double R = 1e14 * i;
        const double th = 1.5707963267948966 * (j - 0.5) / (s.nI2 * nd);
        const double frac = (k - 0.9) / (s.nI3 * nd - 0.8);
        StartPoint t;
        t.i = i, t.j = j, t.k = k;
        t.w = {frac * R * std::sin(th), 0.0, frac * R * std::cos(th), 0.0, kOmega * R * 0.8, 0.0};
        t.rcirc = R, t.tcirc = 2 * 3.141592653589793 / kOmega, t.vcirc = kOmega * R;
        tubes.push_back(t);
        StartPoint b = t;
        const double ph = 1.5707963267948966 * (k - 0.5) / (s.nI3 * nd);
        b.w = {R * std::sin(th) * std::cos(ph), R * std::sin(th) * std::sin(ph), R * std::cos(th), 0, 0, 0};
        boxes.push_back(b);
      }
}

inline io::KinematicSet toy_kinematics() {
  io::KinematicSet k;
  k.name = "toy";
  k.apertures = {-3e14, -3e14, 6e14, 6e14, 20.0, 6, 6};
  k.bins.pixel_bin.resize(36);
  for (int p = 0; p < 36; ++p) k.bins.pixel_bin[p] = 1 + p % 5;
  k.bins.n_bins = 5;
  k.histogram = {600.0, 0.0, 31};
  k.psf = {{0.5e14}, {1.0}};
  return k;
}

/// The harmonic integrator, failing in addition at the first attempt's tolerance (rtol equal to
/// `first_rtol`) for start points beyond `first_fail_above`, so that those orbits are retried.
inline OrbitIntegrator flaky_integrator(double fail_above, double first_fail_above, double first_rtol) {
  const OrbitIntegrator h = harmonic_integrator(fail_above);
  return [=](const std::array<double, 6>& w0, double t_end, double rtol, double atol, std::span<const double> times,
             OrbitSamples& out) {
    if (rtol == first_rtol && w0[0] > first_fail_above) return IntegrationResult{};  // status Failed
    return h(w0, t_end, rtol, atol, times, out);
  };
}

/// A pair integrator made of two calls of `single`, counting its calls.
inline OrbitPairIntegrator pair_of(OrbitIntegrator single, std::shared_ptr<int> calls) {
  return [=](const std::array<double, 6>& wa, double ta, std::span<const double> sa, OrbitSamples& oa,
             const std::array<double, 6>& wb, double tb, std::span<const double> sb, OrbitSamples& ob, double rtol,
             double atol) {
    ++*calls;
    return std::array<IntegrationResult, 2>{single(wa, ta, rtol, atol, sa, oa), single(wb, tb, rtol, atol, sb, ob)};
  };
}

/// A builder with the flaky integrator, alone or with its pair version.
inline LibraryBuilder make_flaky_builder(const LibrarySettings& s, std::shared_ptr<int> pair_calls) {
  IntrinsicGridObserver grid(make_intrinsic_grid(13.5, 14.8, 1.0, 4, 3, 3, 1e14));
  std::vector<LosvdObserver> obs{LosvdObserver({70.0, 40.0, 95.0}, 1.0, toy_kinematics(), s.seed, 0)};
  const OrbitIntegrator single = flaky_integrator(2.5e14, 1.5e14, s.accuracy);
  return LibraryBuilder(s, std::move(grid), std::move(obs), {"toy"}, single, harmonic_energy(),
                        pair_calls ? pair_of(single, pair_calls) : OrbitPairIntegrator{});
}

/// Expect two libraries to be equal array for array.
inline void expect_same_library(const OrbitLibrary& p, const OrbitLibrary& q) {
  for (auto [a, b] : {std::pair{&p.tube, &q.tube}, std::pair{&p.box, &q.box}}) {
    EXPECT_EQ(a->qgrid, b->qgrid);
    EXPECT_EQ(a->classification, b->classification);
    EXPECT_EQ(a->member_type, b->member_type);
    EXPECT_EQ(a->member_failed, b->member_failed);
    EXPECT_EQ(a->losvd[0].values, b->losvd[0].values);
    EXPECT_EQ(a->losvd[0].first, b->losvd[0].first);
    EXPECT_EQ(a->losvd[0].offset, b->losvd[0].offset);
  }
}

inline LibraryBuilder make_builder(const LibrarySettings& s, double fail_above = 1e300) {
  IntrinsicGridObserver grid(make_intrinsic_grid(13.5, 14.8, 1.0, 4, 3, 3, 1e14));
  std::vector<LosvdObserver> obs{LosvdObserver({70.0, 40.0, 95.0}, 1.0, toy_kinematics(), s.seed, 0)};
  return LibraryBuilder(s, std::move(grid), std::move(obs), {"toy"}, harmonic_integrator(fail_above),
                        harmonic_energy());
}

inline LibrarySettings small_settings() {
  LibrarySettings s;
  s.nE = 3, s.nI2 = 4, s.nI3 = 2, s.dithering = 2;
  s.orbital_periods = 3;
  s.sampling = 300;
  s.seed = 4242;
  return s;
}

}  // namespace dynamite::orblib::testfix
