// Start-space benchmarks for the NGC6278 reference model (nE x nI2 x nI3 = 6 x 5 x 4):
//   build/benchmarks/bench_start_space
// The original's orbitstart needs 31.6-33.3 s, almost all of it to build its 640x64x64 force grid; the
// start space itself takes it a few seconds (reference README, Fortran reference §7).
#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>

#include "dynamite/core/units.hpp"
#include "dynamite/orblib/start_space.hpp"
#include "dynamite/physics/force_field.hpp"
#include "reference_model.hpp"

using namespace dynamite;

namespace {

struct Model {
  std::shared_ptr<physics::GalaxyPotential> direct;
  std::shared_ptr<physics::InterpolatedForceField> forces;
  orblib::StartSpaceSettings settings;
};

std::shared_ptr<physics::InterpolatedForceField> force_field(const std::shared_ptr<physics::GalaxyPotential>& g) {
  const auto& s = g->spec();
  const double a2km = units::arcsec_to_km(s.distance_mpc);
  double smin = 1e300;
  for (const auto& gs : s.mge.gaussians()) smin = std::min(smin, gs.sigma_arcsec * a2km);
  return std::make_shared<physics::InterpolatedForceField>(
      g, physics::InterpolatedForceField::default_grid(smin, g->stars().max_sigma(), std::pow(10.0, s.logrmin) * a2km,
                                                       std::pow(10.0, s.logrmax) * a2km));
}

const Model& model() {
  static const Model m = [] {
    Model r;
    r.direct = std::make_shared<physics::GalaxyPotential>(bench::reference_model());
    r.forces = force_field(r.direct);
    const double a2km = units::arcsec_to_km(r.direct->spec().distance_mpc);
    auto& s = r.settings;
    s.nE = 6, s.nI2 = 5, s.nI3 = 4, s.dithering = 1;
    s.logrmin_km = r.direct->spec().logrmin + std::log10(a2km);
    s.logrmax_km = r.direct->spec().logrmax + std::log10(a2km);
    std::vector<double> T;
    for (const auto& g : r.direct->stars().gaussians()) T.push_back((1 - g.p * g.p) / (1 - g.q * g.q));
    s.triaxial = orblib::is_triaxial(T);
    return r;
  }();
  return m;
}

// Everything orbitstart does: potential set-up, force field, start space.
void BM_OrbitstartTotal(benchmark::State& state) {
  for (auto _ : state) {
    auto direct = std::make_shared<physics::GalaxyPotential>(bench::reference_model());
    auto forces = force_field(direct);
    auto ss = orblib::compute_start_space(*direct, *forces, model().settings);
    benchmark::DoNotOptimize(ss.tubes.data());
  }
}
BENCHMARK(BM_OrbitstartTotal)->Unit(benchmark::kMillisecond)->Iterations(3);

// The start space alone (force field built once).
void BM_StartSpace(benchmark::State& state) {
  const Model& m = model();
  for (auto _ : state) {
    auto ss = orblib::compute_start_space(*m.direct, *m.forces, m.settings);
    benchmark::DoNotOptimize(ss.tubes.data());
  }
}
BENCHMARK(BM_StartSpace)->Unit(benchmark::kMillisecond)->Iterations(3);

// One energy shell (shell 3, given shell 2's thin-tube fraction): the unit of parallel work.
void BM_OneEnergyShell(benchmark::State& state) {
  const Model& m = model();
  const orblib::StartSpaceBuilder b(*m.direct, *m.forces, m.settings);
  for (auto _ : state) {
    auto sh = b.compute_shell(3, 0.6);
    benchmark::DoNotOptimize(sh.r_in.data());
  }
}
BENCHMARK(BM_OneEnergyShell)->Unit(benchmark::kMillisecond)->Iterations(3);

// One tube-width evaluation (400 plane crossings at rtol 1e-4), the inner loop of the thin-tube search.
void BM_TubeWidth(benchmark::State& state) {
  const Model& m = model();
  const orblib::StartSpaceBuilder b(*m.direct, *m.forces, m.settings);
  const double R = b.shell_radius(3), E = m.direct->psi({R, 0, 0});
  const double tc = b.circular_orbit(0.5 * R)[0];
  for (auto _ : state) benchmark::DoNotOptimize(b.tube_width(0.6 * R, b.theta(5), E, tc, 2));
}
BENCHMARK(BM_TubeWidth)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
