// The Fortran solver's regularisation rows on a small library whose neighbourhoods can be counted
// by hand (nE = 3, nI2 = 2, nI3 = 3).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "dynamite/core/error.hpp"
#include "dynamite/orblib/random.hpp"
#include "dynamite/weights/nnls.hpp"
#include "dynamite/weights/regularisation.hpp"

using namespace dynamite;

namespace {

/// A library with integral indices only (the regulariser needs nothing else), bundles in the
/// builder's order (E slowest, I3 fastest), for tubes and boxes alike.
orblib::OrbitLibrary integrals_only(int nE, int nI2, int nI3) {
  orblib::OrbitLibrary lib;
  lib.nE = nE, lib.nI2 = nI2, lib.nI3 = nI3;
  for (auto* set : {&lib.tube, &lib.box}) {
    set->n_bundles = lib.n_bundles();
    for (int e = 1; e <= nE; ++e)
      for (int i2 = 1; i2 <= nI2; ++i2)
        for (int i3 = 1; i3 <= nI3; ++i3) {
          set->eiii.insert(set->eiii.end(), {e, i2, i3});
          set->notreg.push_back(0);
        }
  }
  return lib;
}

int bundle(const orblib::OrbitLibrary& l, int e, int i2, int i3) { return ((e - 1) * l.nI2 + (i2 - 1)) * l.nI3 + i3 - 1; }
int tube(const orblib::OrbitLibrary& l, int e, int i2, int i3) { return 2 * bundle(l, e, i2, i3); }
int reversed(const orblib::OrbitLibrary& l, int e, int i2, int i3) { return 2 * bundle(l, e, i2, i3) + 1; }
int box(const orblib::OrbitLibrary& l, int e, int i2, int i3) { return 2 * l.n_bundles() + bundle(l, e, i2, i3); }

bool has(const std::vector<weights::RegularisationTriplet>& v, weights::RegularisationTriplet t) {
  return std::find(v.begin(), v.end(), t) != v.end();
}

}  // namespace

TEST(Regularisation, TripletsFollowTheOriginalsNeighbourhoods) {
  const auto lib = integrals_only(3, 2, 3);
  const auto t = weights::regularisation_triplets(lib);
  // E: every column at the middle energy centres one (54 / 3 = 18). I2: the tubes run through their
  // reversed copies (I2 = -1, 0, 1, 2 after relabelling): centres 0 and 1 for each E and I3 (18); the
  // two box I2 values centre none. I3 of the co-rotating tubes continues into the boxes (6 values:
  // 4 centres per E and I2, 24), of the reversed tubes within the tubes (1 centre, 6). Then the outer
  // two reversed tubes continue into the outer two boxes (2 centres per E and I2, 12).
  EXPECT_EQ(t.size(), 18u + 18u + 30u + 12u);
  std::set<int> distinct;
  for (const auto& x : t) {
    EXPECT_EQ(std::set<int>(x.begin(), x.end()).size(), 3u);
    for (int c : x) distinct.insert(c);
  }
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(lib.n_orbits()));
  EXPECT_TRUE(has(t, {tube(lib, 1, 1, 2), tube(lib, 2, 1, 2), tube(lib, 3, 1, 2)}));  // along E
  EXPECT_TRUE(has(t, {reversed(lib, 2, 1, 3), tube(lib, 2, 1, 3), tube(lib, 2, 2, 3)}));  // through I2 = 0
  EXPECT_TRUE(has(t, {reversed(lib, 2, 2, 1), reversed(lib, 2, 1, 1), tube(lib, 2, 1, 1)}));
  EXPECT_TRUE(has(t, {tube(lib, 1, 2, 2), tube(lib, 1, 2, 3), box(lib, 1, 2, 3)}));  // tubes into boxes
  EXPECT_TRUE(has(t, {tube(lib, 1, 2, 3), box(lib, 1, 2, 3), box(lib, 1, 2, 2)}));  // boxes in reversed I3
  EXPECT_TRUE(has(t, {reversed(lib, 3, 2, 2), reversed(lib, 3, 2, 3), box(lib, 3, 2, 3)}));  // reversed into boxes
  EXPECT_TRUE(has(t, {reversed(lib, 3, 2, 3), box(lib, 3, 2, 3), box(lib, 3, 2, 2)}));
  EXPECT_TRUE(has(t, {box(lib, 1, 1, 2), box(lib, 2, 1, 2), box(lib, 3, 1, 2)}));  // boxes along E
}

TEST(Regularisation, NotRegularisedTubesStartNoI3Triplet) {
  auto lib = integrals_only(3, 2, 3);
  lib.tube.notreg[bundle(lib, 1, 2, 3)] = 1;  // an outermost tube at the box border
  const auto t = weights::regularisation_triplets(lib);
  // Lost: the tube as centre and as left neighbour of the first box, for the co-rotating and the
  // reversed copy (4); its E and I2 triplets stay.
  EXPECT_EQ(t.size(), 78u - 4u);
  EXPECT_FALSE(has(t, {tube(lib, 1, 2, 2), tube(lib, 1, 2, 3), box(lib, 1, 2, 3)}));
  EXPECT_FALSE(has(t, {tube(lib, 1, 2, 3), box(lib, 1, 2, 3), box(lib, 1, 2, 2)}));
  EXPECT_FALSE(has(t, {reversed(lib, 1, 2, 3), box(lib, 1, 2, 3), box(lib, 1, 2, 2)}));
  EXPECT_TRUE(has(t, {reversed(lib, 1, 2, 1), reversed(lib, 1, 2, 2), reversed(lib, 1, 2, 3)}));
  EXPECT_TRUE(has(t, {reversed(lib, 1, 1, 3), tube(lib, 1, 1, 3), tube(lib, 1, 2, 3)}));  // I2
  EXPECT_TRUE(has(t, {tube(lib, 1, 2, 3), tube(lib, 2, 2, 3), tube(lib, 3, 2, 3)}));      // E
}

TEST(Regularisation, RowsAreSecondDifferencesOverShellMassAndError) {
  const auto lib = integrals_only(3, 2, 3);
  const std::vector<double> shells{0.2, 0.5, 0.3};
  weights::LinearSystem sys;
  sys.A = Eigen::MatrixXd::Constant(2, lib.n_orbits(), 7.0);
  sys.b = Eigen::VectorXd::Constant(2, 3.0);
  auto exact = sys, perturbed = sys, again = sys;
  weights::append_regularisation_rows(exact, lib, shells, {0.36, false});
  weights::append_regularisation_rows(perturbed, lib, shells, {0.36, true});
  weights::append_regularisation_rows(again, lib, shells, {0.36, true});
  const auto t = weights::regularisation_triplets(lib);
  ASSERT_EQ(exact.A.rows(), 2 + static_cast<Eigen::Index>(t.size()));
  EXPECT_TRUE(exact.A.topRows(2).isApprox(sys.A)) << "the existing rows are kept";
  const double delta = std::sqrt(0.36 / (2.0 * 3 * 2 * 3));  // 0.1
  EXPECT_NEAR(delta, 0.1, 1e-15);
  // The first row: the first triplet, each coefficient over its own energy's shell mass.
  const auto& r = exact.A.row(2);
  const auto& x = t.front();
  auto energy = [&](int o) {
    const auto c = weights::orbit_column(lib, o);
    return c.set->eiii[3 * c.bundle];
  };
  EXPECT_DOUBLE_EQ(r(x[0]), -1.0 / shells[energy(x[0]) - 1] / delta);
  EXPECT_DOUBLE_EQ(r(x[1]), 2.0 / shells[energy(x[1]) - 1] / delta);
  EXPECT_DOUBLE_EQ(r(x[2]), -1.0 / shells[energy(x[2]) - 1] / delta);
  EXPECT_DOUBLE_EQ(r.cwiseAbs().sum(), std::abs(r(x[0])) + r(x[1]) + std::abs(r(x[2])));
  EXPECT_EQ(exact.b.tail(t.size()).cwiseAbs().maxCoeff(), 0.0);
  // Perturbed: coefficients within 0.5 %, targets within 5e-6 of the error (in units of it), never
  // all equal, and the same every time.
  double worst = 0, spread = 0;
  for (std::size_t k = 0; k < t.size(); ++k)
    for (int c : t[k]) {
      const double q = perturbed.A(2 + k, c) / exact.A(2 + k, c);
      worst = std::max(worst, std::abs(q - 1));
      spread += std::abs(q - 1);
    }
  EXPECT_LE(worst, 0.005);
  EXPECT_GT(spread / (3 * t.size()), 0.001) << "the coefficients should be perturbed";
  EXPECT_LE(perturbed.b.tail(t.size()).cwiseAbs().maxCoeff(), 0.5e-5);
  EXPECT_GT(perturbed.b.tail(t.size()).cwiseAbs().maxCoeff(), 0.0);
  EXPECT_EQ(perturbed.A, again.A);
  EXPECT_EQ(perturbed.b, again.b);
}

TEST(Regularisation, BadInputsAreReported) {
  const auto lib = integrals_only(3, 2, 3);
  weights::LinearSystem sys;
  sys.A = Eigen::MatrixXd::Zero(1, lib.n_orbits());
  sys.b = Eigen::VectorXd::Zero(1);
  EXPECT_THROW(weights::append_regularisation_rows(sys, lib, {0.2, 0.5}, {1.0, true}), InputError);
  EXPECT_THROW(weights::append_regularisation_rows(sys, lib, {0.2, 0.0, 0.8}, {1.0, true}), InputError);
  EXPECT_THROW(weights::append_regularisation_rows(sys, lib, {0.2, 0.5, 0.3}, {0.0, true}), InputError);
  EXPECT_EQ(sys.A.rows(), 1);
}

TEST(Regularisation, SmallerValuesSmoothMoreAndLargeOnesLeaveTheFitAlone) {
  // Orbits on the (E, I2, I3) grid of the small library; each "observation" row sees a few random
  // orbits, the truth is rough. The config value sets the rows' error, so a smaller value smooths
  // more: the optimum trades data misfit for smoothness monotonically, and a very large value gives
  // the unregularised fit back.
  const auto lib = integrals_only(3, 2, 3);
  const int n = lib.n_orbits();
  Eigen::MatrixXd A = Eigen::MatrixXd::Zero(40, n);
  Eigen::VectorXd truth(n);
  orblib::OrbitRng draws(12345, {});
  auto u = [&] { return draws.uniform(); };
  for (int o = 0; o < n; ++o) truth(o) = u() < 0.5 ? 0.0 : u();
  for (int i = 0; i < A.rows(); ++i)
    for (int o = 0; o < n; ++o)
      if (u() < 0.3) A(i, o) = u();
  const Eigen::VectorXd b = A * truth;
  const auto free_fit = weights::nnls_lawson_hanson(A, b, 30 * n);
  ASSERT_TRUE(free_fit.converged);
  const double free_misfit = (A * free_fit.weights - b).squaredNorm();
  const std::vector<double> shells{0.2, 0.5, 0.3};
  weights::LinearSystem base;
  base.A = A, base.b = b;
  double last_misfit = 1e300, last_roughness = -1;
  for (double value : {1e-6, 1e-3, 1.0, 1e12}) {
    auto sys = base;
    weights::append_regularisation_rows(sys, lib, shells, {value, false});
    const auto sol = weights::nnls_lawson_hanson(sys.A, sys.b, 30 * n);
    ASSERT_TRUE(sol.converged);
    const double misfit = (A * sol.weights - b).squaredNorm();
    const double delta = std::sqrt(value / (2.0 * lib.n_bundles()));
    const double roughness = (sys.A.bottomRows(sys.A.rows() - A.rows()) * sol.weights).squaredNorm() * delta * delta;
    EXPECT_LT(misfit, last_misfit) << value;
    EXPECT_GT(roughness, last_roughness) << value;
    last_misfit = misfit, last_roughness = roughness;
  }
  EXPECT_GT(free_misfit, 0.0);
  EXPECT_NEAR(last_misfit, free_misfit, 1e-6 * (1 + free_misfit)) << "a very large value leaves the fit alone";
}
