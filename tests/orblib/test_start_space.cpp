// Start conditions against the original's begin.dat and beginbox.dat for the NGC6278 reference model,
// and invariants for another model.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>

#include "dynamite/core/error.hpp"
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
  p.i = 1, p.j = 1, p.k = 1;  // the reader checks the indices against the header (k fastest)
  p.w = {4.8807904671e14, 0, 3.0816098204e15, 0, 699.72085687, 0};
  p.rcirc = 4.7345193030e15, p.tcirc = 2.6688731595e13, p.vcirc = 723.47052951, p.noreg = 1;
  write_begin_file(tmp / "begin.dat", 1, 1, 1, {p});
  int a, b, c;
  const auto back = read_begin_file(tmp / "begin.dat", &a, &b, &c);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_NEAR(back[0].w[0] / p.w[0], 1.0, 1e-10);
  EXPECT_EQ(back[0].noreg, 1);
  EXPECT_EQ(back[0].j, 1);
}

// ---------------------------------------------------------------- the tools on analytic potentials

namespace {

using physics::Vec3;

// Spherical isochrone, psi = GM / (b + sqrt(b^2 + r^2)): circular orbits known in closed form.
class Isochrone final : public physics::Potential {
 public:
  Isochrone(double gm, double b) : gm_(gm), b_(b) {}
  double psi(const Vec3& x) const override { return gm_ / (b_ + std::sqrt(b_ * b_ + r2(x))); }
  Vec3 acceleration(const Vec3& x) const override {
    const double s = std::sqrt(b_ * b_ + r2(x)), f = -gm_ / ((b_ + s) * (b_ + s) * s);
    return {f * x[0], f * x[1], f * x[2]};
  }
  double vcirc2(double r) const {
    const double s = std::sqrt(b_ * b_ + r * r);
    return gm_ * r * r / ((b_ + s) * (b_ + s) * s);
  }

 private:
  static double r2(const Vec3& x) { return x[0] * x[0] + x[1] * x[1] + x[2] * x[2]; }
  double gm_, b_;
};

// Spherical Plummer sphere.
class PlummerSphere final : public physics::Potential {
 public:
  PlummerSphere(double gm, double b) : gm_(gm), b2_(b * b) {}
  double psi(const Vec3& x) const override { return gm_ / std::sqrt(b2_ + x[0] * x[0] + x[1] * x[1] + x[2] * x[2]); }
  Vec3 acceleration(const Vec3& x) const override {
    const double d = b2_ + x[0] * x[0] + x[1] * x[1] + x[2] * x[2], f = -gm_ / (d * std::sqrt(d));
    return {f * x[0], f * x[1], f * x[2]};
  }

 private:
  double gm_, b2_;
};

// Triaxial cored logarithmic potential psi = -v0^2/2 ln(rc^2 + x^2 + y^2/p^2 + z^2/q^2): boxes,
// short-axis and long-axis tubes.
class TriaxialLog final : public physics::Potential {
 public:
  TriaxialLog(double v0, double rc, double p, double q) : v02_(v0 * v0), rc2_(rc * rc), p2_(p * p), q2_(q * q) {}
  double psi(const Vec3& x) const override { return -0.5 * v02_ * std::log(m2(x)); }
  Vec3 acceleration(const Vec3& x) const override {
    const double f = -v02_ / m2(x);
    return {f * x[0], f * x[1] / p2_, f * x[2] / q2_};
  }

 private:
  double m2(const Vec3& x) const { return rc2_ + x[0] * x[0] + x[1] * x[1] / p2_ + x[2] * x[2] / q2_; }
  double v02_, rc2_, p2_, q2_;
};

constexpr double kpc = units::kpc_km;

StartSpaceSettings small_settings(int nE, int nI2, int nI3) {
  StartSpaceSettings s;
  s.nE = nE, s.nI2 = nI2, s.nI3 = nI3;
  s.logrmin_km = std::log10(0.5 * kpc);
  s.logrmax_km = std::log10(5 * kpc);
  return s;
}

const StartPoint& at(const std::vector<StartPoint>& v, int nI2, int nI3, int i, int j, int k) {
  return v[static_cast<std::size_t>(((i - 1) * nI2 + (j - 1)) * nI3 + (k - 1))];
}

}  // namespace

TEST(StartSpaceTools, EnergyGridAndAngles) {
  PlummerSphere pot(1e11 * units::G, kpc);
  StartSpaceBuilder b(pot, pot, small_settings(4, 5, 3));
  EXPECT_NEAR(b.shell_radius(1), 0.5 * kpc, 1e-12 * kpc);
  EXPECT_NEAR(b.shell_radius(4), 5 * kpc, 1e-11 * kpc);
  EXPECT_NEAR(b.shell_radius(2) / b.shell_radius(1), std::pow(10.0, 1.0 / 3.0), 1e-12);
  EXPECT_DOUBLE_EQ(b.theta(1), M_PI / 2 * 0.5 / 5);
  EXPECT_DOUBLE_EQ(b.theta(5), M_PI / 2 * 4.5 / 5);
  EXPECT_DOUBLE_EQ(b.box_phi(3), M_PI / 2 * 2.5 / 3);
  EXPECT_THROW(StartSpaceBuilder(pot, pot, small_settings(4, 3, 3)), InputError);  // nI2 < 4
}

TEST(StartSpaceTools, EquipotentialRadiusOfPlummer) {
  PlummerSphere pot(1e11 * units::G, kpc);
  StartSpaceBuilder b(pot, pot, small_settings(4, 5, 3));
  const double E = pot.psi({2 * kpc, 0, 0});
  for (double th : {0.1, 0.7, 1.5}) {
    const double r = b.equipotential_radius(2 * kpc, E, th, 0.3);
    EXPECT_NEAR(r / (2 * kpc), 1.0, 2e-7);
    EXPECT_NEAR(pot.psi({r * std::sin(th) * std::cos(0.3), r * std::sin(th) * std::sin(0.3), r * std::cos(th)}) / E,
                1.0, 1e-7);
  }
}

TEST(StartSpaceTools, TubeStartHasTheShellEnergy) {
  PlummerSphere pot(1e11 * units::G, kpc);
  StartSpaceBuilder b(pot, pot, small_settings(4, 5, 3));
  const double E = pot.psi({3 * kpc, 0, 0});
  const auto y = b.tube_start(1.5 * kpc, 0.4, E);
  EXPECT_EQ(y[1], 0.0);
  EXPECT_EQ(y[3], 0.0);
  EXPECT_EQ(y[5], 0.0);
  EXPECT_GT(y[4], 0.0);
  EXPECT_NEAR((pot.psi({y[0], y[1], y[2]}) - 0.5 * y[4] * y[4]) / E, 1.0, 1e-14);
  // Outside the equipotential: the original's tiny positive speed sqrt(2 psi 1e-12).
  const auto out = b.tube_start(4 * kpc, 0.4, E);
  EXPECT_NEAR(out[4], std::sqrt(2 * pot.psi({out[0], 0, out[2]}) * 1e-12), 1e-20);
}

TEST(StartSpaceTools, ThinTubeOfASphericalPotentialIsTheCircularOrbit) {
  // In a spherical potential the orbit of zero width at its y = 0 crossings is the circular one.
  Isochrone pot(1e11 * units::G, kpc);
  StartSpaceBuilder b(pot, pot, small_settings(4, 5, 3));
  auto tight_settings = small_settings(4, 5, 3);
  tight_settings.aux_rtol = tight_settings.aux_atol = 1e-11;
  StartSpaceBuilder tight(pot, pot, tight_settings);
  const double rc = 2 * kpc, E = pot.psi({rc, 0, 0}) - 0.5 * pot.vcirc2(rc);
  const double tc = b.circular_orbit(rc)[0];
  EXPECT_NEAR(b.circular_orbit(rc)[1], std::sqrt(pot.vcirc2(rc)), 1e-9 * std::sqrt(pot.vcirc2(rc)));
  // Accurate integration: zero width at the circular radius (crossings bisected to 1e-4 r).
  EXPECT_LT(tight.tube_width(rc, 1.2, E, tc, 2), 1e-6 * rc);
  EXPECT_GT(tight.tube_width(0.6 * rc, 1.2, E, tc, 2), 0.3 * rc);
  EXPECT_NEAR(tight.find_tube(0.3 * rc, 0.6 * rc, 1.3 * rc, E, tc, 1.2, 2) / rc, 1.0, 1e-3);
  // At the original's loose tolerances the minimum is still close to the circular radius.
  EXPECT_NEAR(b.find_tube(0.3 * rc, 0.6 * rc, 1.3 * rc, E, tc, 1.2, 2) / rc, 1.0, 1e-2);
}

TEST(StartSpaceTools, FindTypeSeparatesTubesAndBoxes) {
  TriaxialLog pot(200, 0.3 * kpc, 0.8, 0.6);
  StartSpaceBuilder b(pot, pot, small_settings(4, 5, 3));
  const double R = 2 * kpc, E = pot.psi({R, 0, 0});
  const double tc = b.circular_orbit(0.5 * R)[0];
  EXPECT_EQ(b.find_type(0.6 * R, b.theta(5), E, tc), OrbitType::ZTube);  // near the equator: short-axis tube
  EXPECT_EQ(b.find_type(0.001 * R, b.theta(5), E, tc), OrbitType::Box);  // through the centre: box
  EXPECT_EQ(b.find_type(0.02 * R, b.theta(1), E, tc), OrbitType::Box);
  const double req = b.equipotential_radius(R, E, b.theta(1), 0);
  EXPECT_EQ(b.find_type(0.9 * req, b.theta(1), E, tc), OrbitType::XTube);  // near the z axis, outside: long-axis tube
}

TEST(StartSpaceTools, InvariantsAndShellIndependenceInATriaxialLogPotential) {
  TriaxialLog pot(200, 0.3 * kpc, 0.8, 0.6);
  StartSpaceBuilder b(pot, pot, small_settings(3, 4, 3));
  const StartSpace ss = b.build();
  ASSERT_EQ(ss.tubes.size(), 36u);
  ASSERT_EQ(ss.boxes.size(), 36u);
  for (int i = 2; i <= 3; ++i) EXPECT_LT(ss.shells[i - 1].energy, ss.shells[i - 2].energy);
  for (const auto& sh : ss.shells)
    for (int j = 0; j < 4; ++j) {
      EXPECT_GT(sh.r_in[j], 0);
      EXPECT_LT(sh.r_in[j], sh.r_eq[j]);
      EXPECT_LE(sh.r_mid[j], sh.r_eq[j]);
    }
  for (const auto& p : ss.tubes) {
    const auto& sh = ss.shells[p.i - 1];
    EXPECT_EQ(p.w[1], 0.0);
    EXPECT_LT(std::hypot(p.w[0], p.w[2]), sh.r_eq[p.j - 1]);
    EXPECT_GT(p.w[4], 0.0);
    EXPECT_NEAR((pot.psi({p.w[0], 0, p.w[2]}) - 0.5 * p.w[4] * p.w[4]) / sh.energy, 1.0, 1e-12);
    EXPECT_EQ(p.rcirc, sh.radius);
  }
  for (const auto& p : ss.boxes) {
    EXPECT_EQ(p.w[3], 0.0);
    EXPECT_EQ(p.w[4], 0.0);
    EXPECT_EQ(p.w[5], 0.0);
    EXPECT_NEAR(pot.psi({p.w[0], p.w[1], p.w[2]}) / ss.shells[p.i - 1].energy, 1.0, 1e-7);
  }
  // By default every shell is independent: shell 2 computed alone equals the full build.
  const EnergyShell sh2 = b.compute_shell(2, std::nullopt);
  EXPECT_EQ(sh2.r_in, ss.shells[1].r_in);
  EXPECT_EQ(sh2.r_mid, ss.shells[1].r_mid);
  EXPECT_EQ(sh2.tcirc, ss.shells[1].tcirc);
  // With the original's chaining, shell 2 starts from shell 1's thin-tube fraction.
  auto chained_settings = small_settings(3, 4, 3);
  chained_settings.chain_shells = true;
  StartSpaceBuilder chained(pot, pot, chained_settings);
  const StartSpace cs = chained.build();
  const EnergyShell ch2 = chained.compute_shell(2, cs.shells[0].thin_fraction());
  EXPECT_EQ(ch2.r_in, cs.shells[1].r_in);
  EXPECT_EQ(ch2.r_mid, cs.shells[1].r_mid);
}

TEST(StartSpaceTools, IrregularEnergiesAndTheNoregFlag) {
  // assemble() alone on hand-made shells: energy 2 of 4 irregular, dithering 2 -> energies 1, 2.
  PlummerSphere pot(1e11 * units::G, kpc);
  auto s = small_settings(2, 2, 1);
  s.dithering = 2;  // dithered 4 x 4 x 2
  auto make = [&](const StartSpaceBuilder& b) {
    std::vector<EnergyShell> shells;
    for (int i = 1; i <= 4; ++i) {
      EnergyShell sh;
      sh.i = i;
      sh.radius = b.shell_radius(i);
      sh.energy = pot.psi({sh.radius, 0, 0});
      sh.r_eq.assign(4, sh.radius);
      sh.r_in.assign(4, 0.4 * sh.radius);
      sh.r_mid = sh.r_eq;
      if (i == 3) sh.r_mid[1] = 0.9 * sh.radius;  // a thin long-axis tube at j = 2
      sh.r_eq_box.assign(4, std::vector<double>(2, sh.radius));
      sh.irregular = (i == 2);
      sh.tcirc = sh.vcirc = 1;
      shells.push_back(sh);
    }
    return shells;
  };
  StartSpaceBuilder fixed(pot, pot, s);
  const StartSpace a = fixed.assemble(make(fixed));
  EXPECT_EQ(a.irregular, (std::vector<int>{1, 1, 0, 0}));
  auto radius = [&](const StartSpace& ss, int i, int j, int k) {
    const auto& p = at(ss.tubes, 4, 2, i, j, k);
    return std::hypot(p.w[0], p.w[2]) / ss.shells[i - 1].radius;
  };
  EXPECT_NEAR(radius(a, 1, 1, 1), 0.1 / 1.2, 1e-12);               // irregular: the whole ray 0..R_eq
  EXPECT_NEAR(radius(a, 3, 2, 2), 0.4 + 0.5 * 1.1 / 1.2, 1e-12);   // regular: R_in..R_mid
  auto noreg = [](const StartSpace& ss, int i, int j, int k) { return at(ss.tubes, 4, 2, i, j, k).noreg; };
  EXPECT_EQ(noreg(a, 2, 1, 1), 1);  // the last irregular energy is not regularised
  EXPECT_EQ(noreg(a, 1, 1, 1), 0);
  EXPECT_EQ(noreg(a, 3, 1, 2), 1);  // thin long-axis tube at j = 2: outermost k of j <= 2
  EXPECT_EQ(noreg(a, 3, 2, 2), 1);
  EXPECT_EQ(noreg(a, 3, 2, 1), 0);
  EXPECT_EQ(noreg(a, 3, 3, 2), 0);
  s.reproduce_noreg_bug = true;  // the original: energy 1 instead
  StartSpaceBuilder legacy(pot, pot, s);
  const StartSpace l = legacy.assemble(make(legacy));
  EXPECT_EQ(noreg(l, 1, 3, 1), 1);
  EXPECT_EQ(noreg(l, 2, 3, 1), 0);
}

TEST(StartSpaceTools, BeginFileFormatAndErrors) {
  dynamite::testing::TempDir dir("startspace");
  StartPoint p;
  p.i = p.j = p.k = 1;
  p.w = {4.8807904671e14, 0, 3.0816098204e15, 0, 699.72085687, 0};
  p.rcirc = 4.7345193030e15, p.tcirc = 2.6688731595e13, p.vcirc = 723.47052951;
  StartPoint q = p;
  q.k = 2, q.noreg = 1, q.w[0] = -1.5e105;
  write_begin_file(dir / "begin.dat", 1, 1, 2, {p, q});
  std::ifstream is(dir / "begin.dat");
  std::string l1, l2, l3;
  std::getline(is, l1), std::getline(is, l2), std::getline(is, l3);
  EXPECT_EQ(l1, "           1           1           2");
  EXPECT_EQ(l2.substr(0, 45), "    1    1    1              4.8807904671E+14");
  EXPECT_EQ(l2.size(), 15u + 9 * 30 + 4);
  EXPECT_NE(l3.find("-1.5000000000+105"), std::string::npos);  // Fortran: 3-digit exponent, no E
  const auto r = read_begin_file(dir / "begin.dat");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_DOUBLE_EQ(r[1].w[0], -1.5e105);
  std::ofstream(dir / "bad.dat") << "1 1 2\n    1    1    1  1.0 2.0\n";
  try {
    read_begin_file(dir / "bad.dat");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 2);
  }
}

TEST(StartSpaceTools, ReferenceBeginFilesAreReproducedByteForByte) {
  DYNAMITE_REQUIRE_SHARED(shared);
  dynamite::testing::TempDir dir("startspace");
  for (const char* name : {"begin.dat", "beginbox.dat"}) {
    const auto ref = shared / "reference-outputs/NGC6278_ml654/datfil" / name;
    int a, b, c;
    const auto pts = read_begin_file(ref, &a, &b, &c);
    write_begin_file(dir / name, a, b, c, pts);
    std::ifstream fa(ref), fb(dir / name);
    std::stringstream sa, sb;
    sa << fa.rdbuf(), sb << fb.rdbuf();
    EXPECT_EQ(sa.str(), sb.str()) << name;
  }
}

TEST(StartSpace, ReferenceModelWithAHeavyBlackHoleAndDithering) {
  // No reference output: invariants for M_BH = 1e9 (instead of 1e5) and a dithered 2 x 2 x 2 x nd=2 grid.
  DYNAMITE_REQUIRE_SHARED(shared);
  auto spec = physics::read_legacy_parameters_pot(shared / "reference-outputs/NGC6278_ml654/infil/parameters_pot.in");
  spec.bh_mass = 1e9;
  const auto m = make_model(spec, 2, 2, 2, 2);
  const StartSpace ss = compute_start_space(*m.direct, *m.forces, m.settings);
  ASSERT_EQ(ss.nE, 4);
  ASSERT_EQ(ss.tubes.size(), 64u);
  // Irregular energies form whole dithering blocks from the centre outwards.
  for (int i = 1; i < 4; ++i) EXPECT_GE(ss.irregular[i - 1], ss.irregular[i]);
  EXPECT_EQ(ss.irregular[0], ss.irregular[1]);
  EXPECT_EQ(ss.irregular[2], ss.irregular[3]);
  for (int i = 1; i < 4; ++i) EXPECT_LT(ss.shells[i].energy, ss.shells[i - 1].energy);
  for (const auto& p : ss.tubes) {
    const auto& sh = ss.shells[p.i - 1];
    EXPECT_GT(p.w[4], 0.0);
    EXPECT_LT(std::hypot(p.w[0], p.w[2]), sh.r_eq[p.j - 1]);  // inside the equipotential
    if (!ss.irregular[p.i - 1]) {
      EXPECT_GT(std::hypot(p.w[0], p.w[2]), sh.r_in[p.j - 1]);
    }
    EXPECT_NEAR((m.direct->psi({p.w[0], 0, p.w[2]}) - 0.5 * p.w[4] * p.w[4]) / sh.energy, 1.0, 1e-12);
  }
  for (const auto& p : ss.boxes) {
    EXPECT_EQ(p.w[3], 0.0);
    EXPECT_EQ(p.w[4], 0.0);
    EXPECT_EQ(p.w[5], 0.0);
    EXPECT_NEAR(m.direct->psi({p.w[0], p.w[1], p.w[2]}) / ss.shells[p.i - 1].energy, 1.0, 1e-7);
  }
}
