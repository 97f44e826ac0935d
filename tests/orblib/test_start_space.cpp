// Start conditions against the original's begin.dat and beginbox.dat for the NGC6278 reference model,
// and invariants for another model.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "dynamite/core/units.hpp"
#include "dynamite/orblib/start_space.hpp"
#include "dynamite/physics/force_field.hpp"
#include "dynamite/physics/galaxy_potential.hpp"
#include "test_support.hpp"

using namespace dynamite;
using namespace dynamite::orblib;

namespace {

struct Model {
  std::shared_ptr<physics::GalaxyPotential> direct;
  std::shared_ptr<physics::InterpolatedForceField> forces;
  StartSpaceSettings settings;
};

Model make_model(const physics::GalaxyPotentialSpec& spec, int nE, int nI2, int nI3, int nd) {
  Model m;
  m.direct = std::make_shared<physics::GalaxyPotential>(spec);
  const double a2km = units::arcsec_to_km(spec.distance_mpc);
  double smin = 1e300;
  for (const auto& g : spec.mge.gaussians()) smin = std::min(smin, g.sigma_arcsec * a2km);
  const auto grid = physics::InterpolatedForceField::default_grid(
      smin, m.direct->stars().max_sigma(), std::pow(10.0, spec.logrmin) * a2km, std::pow(10.0, spec.logrmax) * a2km);
  m.forces = std::make_shared<physics::InterpolatedForceField>(m.direct, grid);
  m.settings.nE = nE, m.settings.nI2 = nI2, m.settings.nI3 = nI3, m.settings.dithering = nd;
  m.settings.logrmin_km = spec.logrmin + std::log10(a2km);
  m.settings.logrmax_km = spec.logrmax + std::log10(a2km);
  double tmax = 0, tmin = 1;
  for (const auto& g : m.direct->stars().gaussians()) {
    const double T = (1 - g.p * g.p) / (1 - g.q * g.q);
    tmax = std::max(tmax, T), tmin = std::min(tmin, T);
  }
  m.settings.triaxial = tmax > 0.01 || tmin > 0.99;
  return m;
}

/// Differences as the issue defines them: rcirc, tcirc, vcirc relative to themselves, positions
/// relative to rcirc, velocities relative to vcirc.
std::vector<double> differences(const std::vector<StartPoint>& ours, const std::vector<StartPoint>& ref) {
  std::vector<double> d;
  for (std::size_t n = 0; n < ref.size(); ++n) {
    const auto &a = ours[n], &b = ref[n];
    d.push_back(std::abs(a.rcirc - b.rcirc) / b.rcirc);
    d.push_back(std::abs(a.tcirc - b.tcirc) / b.tcirc);
    d.push_back(std::abs(a.vcirc - b.vcirc) / b.vcirc);
    for (int i = 0; i < 3; ++i) d.push_back(std::abs(a.w[i] - b.w[i]) / b.rcirc);
    for (int i = 3; i < 6; ++i) d.push_back(std::abs(a.w[i] - b.w[i]) / b.vcirc);
  }
  return d;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

TEST(StartSpace, MatchesTheOriginalForTheReferenceModel) {
  DYNAMITE_REQUIRE_SHARED(shared);
  const auto dir = shared / "reference-outputs/NGC6278_ml654";
  const auto spec = physics::read_legacy_parameters_pot(dir / "infil/parameters_pot.in");
  const auto m = make_model(spec, 6, 5, 4, 1);
  const StartSpace ss = compute_start_space(*m.direct, *m.forces, m.settings);
  int nE, nI2, nI3;
  const auto ref_t = read_begin_file(dir / "datfil/begin.dat", &nE, &nI2, &nI3);
  const auto ref_b = read_begin_file(dir / "datfil/beginbox.dat");
  ASSERT_EQ(ss.tubes.size(), ref_t.size());
  ASSERT_EQ(ss.boxes.size(), ref_b.size());
  for (std::size_t n = 0; n < ref_t.size(); ++n) {
    ASSERT_EQ(ss.tubes[n].i, ref_t[n].i);
    ASSERT_EQ(ss.tubes[n].k, ref_t[n].k);
    EXPECT_EQ(ss.tubes[n].noreg, ref_t[n].noreg) << n;
  }
  const auto dt = differences(ss.tubes, ref_t), db = differences(ss.boxes, ref_b);
  std::vector<double> all = dt;
  all.insert(all.end(), db.begin(), db.end());
  const double med = median(all), worst = *std::max_element(all.begin(), all.end());
  std::cout << "start space vs original: median " << med << ", max " << worst << " (tubes max "
            << *std::max_element(dt.begin(), dt.end()) << ", boxes max " << *std::max_element(db.begin(), db.end())
            << ")\n";
  EXPECT_LE(med, 1e-3);
  EXPECT_LE(worst, 5e-3);
}

TEST(StartSpace, InvariantsForAnotherModelAndLibrarySize) {
  physics::GalaxyPotentialSpec spec;
  spec.mge = io::Mge({{20000.0, 0.5, 0.9, 0.0}, {2000.0, 2.0, 0.6, 0.0}, {300.0, 8.0, 0.75, 0.0}});
  spec.distance_mpc = 30;
  spec.angles = *physics::viewing_angles_from_pqu(0.9, 0.5, 0.95, 0.6);
  spec.ml = 3;
  spec.bh_mass = 1e8;
  spec.bh_softening_arcsec = 0.001;
  spec.halo = {physics::HaloType::NFW, {10.0, 5.0}};
  spec.logrmin = -0.5;
  spec.logrmax = 1.5;
  const auto m = make_model(spec, 3, 4, 3, 1);
  const StartSpace ss = compute_start_space(*m.direct, *m.forces, m.settings);
  ASSERT_EQ(ss.tubes.size(), 36u);
  double prevE = 1e300;
  for (int i = 1; i <= 3; ++i) {
    const auto& p = ss.tubes[(i - 1) * 12];
    const double E = m.direct->psi({p.rcirc, 0, 0});
    EXPECT_LT(E, prevE);  // energies decrease outwards
    prevE = E;
  }
  for (const auto& p : ss.tubes) {
    EXPECT_GT(p.w[4], 0.0);
    EXPECT_EQ(p.w[1], 0.0);
    EXPECT_EQ(p.w[3], 0.0);
    const double E = m.direct->psi({p.rcirc, 0, 0});
    const double e = m.direct->psi({p.w[0], p.w[1], p.w[2]}) - 0.5 * p.w[4] * p.w[4];
    EXPECT_NEAR(e / E, 1.0, 1e-9);  // every tube has its shell's energy
  }
  for (const auto& p : ss.boxes) {
    EXPECT_EQ(p.w[3], 0.0);
    const double E = m.direct->psi({p.rcirc, 0, 0});
    EXPECT_NEAR(m.direct->psi({p.w[0], p.w[1], p.w[2]}) / E, 1.0, 1e-7);  // on the equipotential
  }
}

TEST(StartSpace, BeginFileRoundTrip) {
  dynamite::testing::TempDir tmp("begin");
  StartPoint p;
  p.i = 1, p.j = 2, p.k = 3;
  p.w = {4.8807904671e14, 0, 3.0816098204e15, 0, 699.72085687, 0};
  p.rcirc = 4.7345193030e15, p.tcirc = 2.6688731595e13, p.vcirc = 723.47052951, p.noreg = 1;
  write_begin_file(tmp / "begin.dat", 1, 1, 1, {p});
  int a, b, c;
  const auto back = read_begin_file(tmp / "begin.dat", &a, &b, &c);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_NEAR(back[0].w[0] / p.w[0], 1.0, 1e-10);
  EXPECT_EQ(back[0].noreg, 1);
  EXPECT_EQ(back[0].j, 2);
}
