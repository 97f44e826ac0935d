// Potential and force-evaluator benchmarks for the NGC6278 reference model:
//   build/benchmarks/bench_potential
// The original needs 31.6-33.3 s to build its 640x64x64 force grid (reference README).
#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <random>

#include "dynamite/core/units.hpp"
#include "dynamite/physics/force_field.hpp"
#include "reference_model.hpp"

using namespace dynamite;
using namespace dynamite::physics;

namespace {

std::shared_ptr<GalaxyPotential> galaxy() {
  static auto g = std::make_shared<GalaxyPotential>(bench::reference_model());
  return g;
}

ForceFieldGrid grid_for(const GalaxyPotential& g) {
  const auto& s = g.spec();
  const double a2km = units::arcsec_to_km(s.distance_mpc);
  double smin = 1e300;
  for (const auto& gs : s.mge.gaussians()) smin = std::min(smin, gs.sigma_arcsec * a2km);
  return InterpolatedForceField::default_grid(smin, g.stars().max_sigma(), std::pow(10.0, s.logrmin) * a2km,
                                              std::pow(10.0, s.logrmax) * a2km);
}

std::vector<Vec3> points(int n) {
  const auto& s = galaxy()->spec();
  const double a2km = units::arcsec_to_km(s.distance_mpc);
  std::mt19937_64 gen(42);
  std::uniform_real_distribution<double> U(0, 1);
  std::vector<Vec3> p;
  for (int k = 0; k < n; ++k) {
    const double r = std::pow(10.0, s.logrmin + (s.logrmax - s.logrmin) * U(gen)) * a2km;
    const double ct = 2 * U(gen) - 1, ph = 2 * units::pi * U(gen), st = std::sqrt(1 - ct * ct);
    p.push_back({r * st * std::cos(ph), r * st * std::sin(ph), r * ct});
  }
  return p;
}

void BM_ForceFieldSetup(benchmark::State& state) {
  auto g = galaxy();
  const auto grid = grid_for(*g);
  for (auto _ : state) {
    InterpolatedForceField f(g, grid);
    benchmark::DoNotOptimize(f);
  }
  state.counters["nodes"] = static_cast<double>(InterpolatedForceField::n_nodes(grid));
}
BENCHMARK(BM_ForceFieldSetup)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_DirectForce(benchmark::State& state) {
  auto g = galaxy();
  const auto p = points(1024);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(g->acceleration(p[i++ & 1023]));
  }
}
BENCHMARK(BM_DirectForce)->Unit(benchmark::kNanosecond);

void BM_FastForce(benchmark::State& state) {
  auto g = galaxy();
  static InterpolatedForceField f(g, grid_for(*g));
  const auto p = points(1024);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.acceleration(p[i++ & 1023]));
  }
}
BENCHMARK(BM_FastForce)->Unit(benchmark::kNanosecond);

/// Largest relative error of the fast force vector against the direct one for n points with
/// log-uniform radii in [r0, r1] and isotropic directions.
double max_force_error(const InterpolatedForceField& f, double r0, double r1, int n, unsigned seed) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> U(0, 1);
  double worst = 0;
  for (int k = 0; k < n; ++k) {
    const double r = r0 * std::pow(r1 / r0, U(gen));
    const double ct = 2 * U(gen) - 1, ph = 2 * units::pi * U(gen), st = std::sqrt(1 - ct * ct);
    const Vec3 x{r * st * std::cos(ph), r * st * std::sin(ph), r * ct};
    const Vec3 a = f.acceleration(x), b = f.direct().acceleration(x);
    double d = 0, nb = 0;
    for (int i = 0; i < 3; ++i) d += (a[i] - b[i]) * (a[i] - b[i]), nb += b[i] * b[i];
    worst = std::max(worst, std::sqrt(d / nb));
  }
  return worst;
}

/// Accuracy (not speed): the largest force error in the library's radial range (as the tests) and
/// in the core table below the main shell, reported as counters.
void BM_FastForceAccuracy(benchmark::State& state) {
  auto g = galaxy();
  const auto grid = grid_for(*g);
  static InterpolatedForceField f(g, grid);
  const auto& s = g->spec();
  const double a2km = units::arcsec_to_km(s.distance_mpc);
  double library = 0, core = 0;
  for (auto _ : state) {
    library = max_force_error(f, std::pow(10.0, s.logrmin) * a2km * 0.05, std::pow(10.0, s.logrmax) * a2km * 1.5,
                              20000, 2);
    core = grid.n_u_core > 0 ? max_force_error(f, grid.r_core, grid.r_min * 1.2, 20000, 3) : 0.0;
  }
  state.counters["max_err_library"] = library;
  state.counters["max_err_core"] = core;
}
BENCHMARK(BM_FastForceAccuracy)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
