// Tests of the orbit-library observers: intrinsic grid, classification, mirroring, LOSVD binning.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <numeric>

#include "dynamite/core/units.hpp"
#include "dynamite/orblib/intrinsic_grid.hpp"
#include "dynamite/orblib/losvd_histogram.hpp"
#include "dynamite/orblib/orbit_classifier.hpp"
#include "dynamite/orblib/random.hpp"

using namespace dynamite;
using namespace dynamite::orblib;

namespace {

/// Samples of an analytic orbit x(t) given as a lambda returning position and velocity.
template <class F>
OrbitSamples sample(F f, int n, double tmax) {
  OrbitSamples s;
  s.resize(n);
  for (int i = 0; i < n; ++i) {
    double p[6];
    f(tmax * (i + 0.5) / n, p);
    s.x[i] = p[0], s.y[i] = p[1], s.z[i] = p[2], s.vx[i] = p[3], s.vy[i] = p[4], s.vz[i] = p[5];
  }
  return s;
}

}  // namespace

// The NGC6278 reference library's qgrid header (record-walkthrough.txt of the reference outputs):
// r edges 0, 7151932230161304.0, 1.0803659537782324e16, 1.6319933642000198e16, ...
TEST(IntrinsicGrid, EdgesMatchTheOriginalsHeader) {
  const double conv = units::arcsec_to_km(39.96);
  auto g = make_intrinsic_grid(-0.101275, 1.99123, conv, 10, 6, 6, 50.0);
  ASSERT_EQ(g.nr(), 10);
  EXPECT_EQ(g.r_edges[0], 0.0);
  EXPECT_NEAR(g.r_edges[1] / 7151932230161304.0, 1.0, 1e-12);
  EXPECT_NEAR(g.r_edges[2] / 1.0803659537782324e16, 1.0, 1e-12);
  EXPECT_NEAR(g.r_edges[3] / 1.6319933642000198e16, 1.0, 1e-12);
  EXPECT_NEAR(g.theta_edges[1], 0.2617993877991494, 1e-15);
  EXPECT_NEAR(g.phi_edges[3], 0.7853981633974483, 1e-15);
}

TEST(IntrinsicGrid, MassFractionsSumToOneAndMomentsAreCellMeans) {
  auto g = make_intrinsic_grid(0.0, 2.0, 1.0, 5, 3, 3, 10.0);
  IntrinsicGridObserver obs(g);
  // A circular orbit of radius 10 in the x-y plane, slightly above it (z = 1).
  auto s = sample(
      [](double t, double* p) {
        p[0] = 10 * std::cos(t), p[1] = 10 * std::sin(t), p[2] = 1.0;
        p[3] = -10 * std::sin(t), p[4] = 10 * std::cos(t), p[5] = 0.0;
      },
      4000, 2 * units::pi);
  std::vector<double> acc(obs.accumulator_size(), 0.0);
  obs.accumulate(s, OrbitType::ZTube, acc);
  obs.finalize(acc, static_cast<double>(s.size()));
  double mass = 0, ztube = 0;
  for (int c = 0; c < g.n_cells(); ++c) {
    const double* m = &acc[c * kMoments];
    mass += m[0];
    ztube += m[14];
    if (m[0] > 0) {
      const double r = std::sqrt(m[1] * m[1] + m[2] * m[2] + m[3] * m[3]);
      EXPECT_NEAR(m[3], 1.0, 1e-12);  // <z> of folded points
      EXPECT_GT(r, 9.0);
      // Folding keeps the z-tube's sense: <Lz> = <x vy - y vx> > 0 means vy > 0 at phi ~ 0.
      EXPECT_NEAR(m[9], 0.0, 1e-12);  // <vz^2>
    }
  }
  EXPECT_NEAR(mass, 1.0, 1e-12);
  EXPECT_NEAR(ztube, 1.0, 1e-12);
}

TEST(IntrinsicGrid, BlockwiseSumsEqualSampleBySampleCellsAndMoments) {
  // 1,000 samples (blocks of 256 and a remainder) everywhere in and beyond the grid: each cell's
  // count is the number of folded samples cell_of puts there, and its sums those of a plain loop.
  auto g = make_intrinsic_grid(0.0, 2.0, 1.0, 5, 3, 4, 10.0);
  IntrinsicGridObserver obs(g);
  OrbitSamples s;
  s.resize(1000);
  orblib::OrbitRng draws(3, {});
  auto u = [&] { return draws.uniform(); };
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double r = std::pow(10.0, 3 * u() - 0.5);  // 0.3 .. 300, beyond the outer edge too
    s.x[i] = r * (u() - 0.5), s.y[i] = r * (u() - 0.5), s.z[i] = r * (u() - 0.5);
    s.vx[i] = u() - 0.5, s.vy[i] = u() - 0.5, s.vz[i] = u() - 0.5;
  }
  s.x[7] = 0.0, s.y[7] = 2.0, s.z[7] = 0.0;  // on the y axis and in the plane z = 0
  std::vector<double> acc(obs.accumulator_size(), 0.0);
  obs.accumulate(s, OrbitType::YTube, acc);
  std::vector<double> count(g.n_cells(), 0.0), sum_x(g.n_cells(), 0.0), sum_vy2(g.n_cells(), 0.0);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const std::array<int, 3> sg{s.x[i] < 0 ? -1 : 1, s.y[i] < 0 ? -1 : 1, s.z[i] < 0 ? -1 : 1};
    const double vy = sg[1] * mirror_velocity_factor(sg, OrbitType::YTube) * s.vy[i];
    const int c = obs.cell_of(std::abs(s.x[i]), std::abs(s.y[i]), std::abs(s.z[i]));
    count[c] += 1, sum_x[c] += std::abs(s.x[i]), sum_vy2[c] += vy * vy;
  }
  int occupied = 0;
  for (int c = 0; c < g.n_cells(); ++c) {
    const double* m = &acc[c * kMoments];
    EXPECT_EQ(m[0], count[c]) << "cell " << c;
    EXPECT_EQ(m[15], count[c]) << "cell " << c;  // y-tubes count as "other" in the type slots
    EXPECT_NEAR(m[1], sum_x[c], 1e-12 * (1 + std::abs(sum_x[c])));
    EXPECT_NEAR(m[8], sum_vy2[c], 1e-12 * (1 + sum_vy2[c]));
    occupied += count[c] > 0;
  }
  EXPECT_GT(occupied, g.n_cells() / 2);
}

TEST(Classifier, TubesBoxesAndAverages) {
  auto zt = sample(
      [](double t, double* p) {
        p[0] = 3 * std::cos(t), p[1] = 2 * std::sin(t), p[2] = 0.5 * std::cos(1.7 * t);
        p[3] = -3 * std::sin(t), p[4] = 2 * std::cos(t), p[5] = -0.85 * std::sin(1.7 * t);
      },
      5000, 200.0);
  EXPECT_EQ(classify_orbit(zt).type, OrbitType::ZTube);
  auto xt = sample(
      [](double t, double* p) {
        p[0] = 0.5 * std::cos(1.7 * t), p[1] = 3 * std::cos(t), p[2] = 2 * std::sin(t);
        p[3] = -0.85 * std::sin(1.7 * t), p[4] = -3 * std::sin(t), p[5] = 2 * std::cos(t);
      },
      5000, 200.0);
  EXPECT_EQ(classify_orbit(xt).type, OrbitType::XTube);
  const double w2 = std::sqrt(2.0), w3 = std::sqrt(3.0);
  auto box = sample(
      [&](double t, double* p) {
        p[0] = 3 * std::cos(t), p[1] = 2 * std::cos(w2 * t + 0.3), p[2] = 1 * std::cos(w3 * t + 0.7);
        p[3] = -3 * std::sin(t), p[4] = -2 * w2 * std::sin(w2 * t + 0.3),
        p[5] = -w3 * std::sin(w3 * t + 0.7);
      },
      20000, 500.0);
  const auto cb = classify_orbit(box);
  EXPECT_EQ(cb.type, OrbitType::Box);
  // <r> of the circular orbit of radius 5 is 5; <Lz> is 25.
  auto circ = sample(
      [](double t, double* p) {
        p[0] = 5 * std::cos(t), p[1] = 5 * std::sin(t), p[2] = 0;
        p[3] = -5 * std::sin(t), p[4] = 5 * std::cos(t), p[5] = 0;
      },
      1000, 2 * units::pi);
  const auto cc = classify_orbit(circ);
  EXPECT_NEAR(cc.averages[2], 25.0, 1e-12);
  EXPECT_NEAR(cc.averages[3], 5.0, 1e-12);
}

// Every mirror image of a tube keeps the sign of the tube's conserved angular momentum.
TEST(Mirroring, ImagesKeepTheSenseOfRotation) {
  const double r[3] = {1.0, 2.0, 3.0}, v[3] = {-0.3, 0.7, 0.2};
  auto L = [](const double* p, const double* q, int k) {
    const double l[3] = {p[1] * q[2] - p[2] * q[1], p[2] * q[0] - p[0] * q[2], p[0] * q[1] - p[1] * q[0]};
    return l[k];
  };
  const std::pair<OrbitType, int> tubes[] = {{OrbitType::XTube, 0}, {OrbitType::YTube, 1}, {OrbitType::ZTube, 2}};
  for (auto [type, k] : tubes) {
    const double l0 = L(r, v, k);
    for (const auto& s : kMirrorSigns) {
      const int c = mirror_velocity_factor(s, type);
      const double rm[3] = {s[0] * r[0], s[1] * r[1], s[2] * r[2]};
      const double vm[3] = {c * s[0] * v[0], c * s[1] * v[1], c * s[2] * v[2]};
      EXPECT_EQ(std::signbit(L(rm, vm, k)), std::signbit(l0));
    }
  }
  for (const auto& s : kMirrorSigns) EXPECT_EQ(mirror_velocity_factor(s, OrbitType::Box), 1);
}

namespace {
io::KinematicSet toy_set(int nbins, double width, double center, double psf_arcsec) {
  io::KinematicSet k;
  k.name = "toy";
  k.apertures.min_x = -2, k.apertures.min_y = -2, k.apertures.extent_x = 4, k.apertures.extent_y = 4;
  k.apertures.nx = 4, k.apertures.ny = 4, k.apertures.angle_deg = 0;
  k.bins.pixel_bin.assign(16, 0);
  // Two apertures: the inner 2x2 pixels are aperture 1, the rest of row y=1 is aperture 2.
  for (int p : {5, 6, 9, 10}) k.bins.pixel_bin[p] = 1;
  for (int p : {4, 7}) k.bins.pixel_bin[p] = 2;
  k.bins.n_bins = 2;
  k.histogram = {width, center, nbins};
  if (psf_arcsec > 0) k.psf = {{psf_arcsec}, {1.0}};
  return k;
}
}  // namespace

TEST(LosvdObserver, PointAtCentreLandsInCentralApertureAndVelocityBin) {
  // A star at rest at the centre: all its light is in aperture 1, velocity bin of v = 0.
  auto set = toy_set(11, 110.0, 0.0, 0.0);
  LosvdObserver obs({60.0, 30.0, 90.0}, 1.0, set, 42, 0);
  OrbitSamples s;
  s.resize(100);  // all zeros
  std::vector<double> acc(obs.accumulator_size(), 0.0);
  OrbitRng rng(42, {7});
  obs.accumulate(s, OrbitType::Box, rng, acc);
  auto rows = obs.finalize(acc, 8.0 * 100);
  EXPECT_EQ(rows.count[0], 1);
  EXPECT_EQ(rows.first[0], 5);  // middle of 11 bins
  EXPECT_NEAR(rows.values[0], 1.0, 1e-15);
  EXPECT_EQ(rows.count[1], 0);
}

TEST(LosvdObserver, HistogramCentreIsHonouredAndTailsClip) {
  auto set = toy_set(11, 110.0, 50.0, 0.0);  // bins of 10 km/s centred on 50 km/s
  LosvdObserver obs({90.0, 0.0, 90.0}, 1.0, set, 1, 0);
  EXPECT_EQ(obs.vbin_of(50.0), 5);
  EXPECT_EQ(obs.vbin_of(-1e9), 0);
  EXPECT_EQ(obs.vbin_of(1e9), 10);
  EXPECT_EQ(obs.vbin_of(0.0 + 1e-9), 0);  // 50 - 55 = -5 is the lower edge of bin 0
  EXPECT_EQ(obs.vbin_of(94.0), 9);   // bins are [-5,5), [5,15), ..., [95,105]
  EXPECT_EQ(obs.vbin_of(99.0), 10);
  LosvdCube cube = obs.empty_cube();
  EXPECT_NEAR(cube.bin_center(5), 50.0, 1e-12);
  EXPECT_NEAR(cube.bin_center(0), 0.0, 1e-12);
}

TEST(LosvdObserver, BlocksOfSamplesCountAsSamplesOneByOne) {
  // 1,300 samples (blocks of 512 and a remainder) spread inside and around the field, velocities
  // beyond both histogram ends: counted in one call, or one sample per call, the histograms agree
  // exactly, and samples outside the field are not counted.
  auto set = toy_set(11, 110.0, 20.0, 0.0);
  LosvdObserver obs({60.0, 30.0, 90.0}, 1.0, set, 5, 0);
  OrbitSamples s;
  s.resize(1300);
  orblib::OrbitRng draws(77, {});
  auto u = [&] { return draws.uniform(); };
  for (std::size_t i = 0; i < s.size(); ++i) {
    s.x[i] = 6 * (u() - 0.5), s.y[i] = 6 * (u() - 0.5), s.z[i] = 6 * (u() - 0.5);
    s.vx[i] = 300 * (u() - 0.5), s.vy[i] = 300 * (u() - 0.5), s.vz[i] = 300 * (u() - 0.5);
  }
  std::vector<double> all(obs.accumulator_size(), 0.0), one_by_one(obs.accumulator_size(), 0.0);
  OrbitRng rng(5, {1});
  for (auto type : {OrbitType::Box, OrbitType::ZTube, OrbitType::XTube}) {
    obs.accumulate(s, type, rng, all);
    for (std::size_t i = 0; i < s.size(); ++i) {
      OrbitSamples one;
      one.resize(1);
      one.x[0] = s.x[i], one.y[0] = s.y[i], one.z[0] = s.z[i];
      one.vx[0] = s.vx[i], one.vy[0] = s.vy[i], one.vz[0] = s.vz[i];
      obs.accumulate(one, type, rng, one_by_one);
    }
  }
  EXPECT_EQ(all, one_by_one);
  const double counted = std::accumulate(all.begin(), all.end(), 0.0);
  EXPECT_GT(counted, 0.05 * 3 * 8 * 1300);  // some land in the two apertures...
  EXPECT_LT(counted, 0.9 * 3 * 8 * 1300);   // ...many do not
  EXPECT_GT(all[0] + all[11], 0.0);         // tails clipped into the end bins
  EXPECT_GT(all[10] + all[21], 0.0);
}

TEST(LosvdObserver, PsfSpreadsLightWithTheRightWidth) {
  // A point source at the centre seen through a PSF of sigma = 1 arcsec (10 km at 10 km/arcsec):
  // the central 2x2 pixels span +-1 sigma, so they hold erf(1/sqrt2)^2 = 0.4661 of the light.
  auto set = toy_set(11, 110.0, 0.0, 1.0);
  LosvdObserver obs({60.0, 30.0, 90.0}, 10.0, set, 99, 0);
  OrbitSamples s;
  s.resize(20000);
  std::vector<double> acc(obs.accumulator_size(), 0.0);
  OrbitRng rng(99, {1});
  obs.accumulate(s, OrbitType::Box, rng, acc);
  auto rows = obs.finalize(acc, 8.0 * 20000);
  const double central = std::accumulate(rows.values.begin(), rows.values.begin() + rows.count[0], 0.0);
  const double expected = std::pow(std::erf(1.0 / std::sqrt(2.0)), 2);
  EXPECT_NEAR(central, expected, 0.01);
}

TEST(OrbitRng, StreamsAreReproducibleIndependentAndNormal) {
  OrbitRng a(4242, {1, 2, 3}), b(4242, {1, 2, 3}), c(4242, {1, 2, 4});
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.next(), b.next());
  OrbitRng d(4242, {1, 2, 3});
  EXPECT_NE(d.next(), c.next());
  double sum = 0, sum2 = 0;
  const int n = 200000;
  OrbitRng g(1, {5});
  for (int i = 0; i < n / 2; ++i) {
    double g1, g2;
    g.gaussian_pair(g1, g2);
    sum += g1 + g2;
    sum2 += g1 * g1 + g2 * g2;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sum2 / n, 1.0, 0.01);
}
