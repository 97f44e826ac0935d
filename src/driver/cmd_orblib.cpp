// `dynamite_mpi orblib config.yaml --start-conditions-only`: compute the orbit start conditions of
// the configuration's start model (the original's `orbitstart`) and write begin.dat and
// beginbox.dat into output/models/orblib_000_000/datfil/ (the original's layout), with timings.
//
// The model comes from driver::model_physics (the start parameter set, MGE and angles rounded as the
// original's parameters_pot.in); `--legacy-parameters FILE` reads it from an original
// infil/parameters_pot.in instead.
#include <fmt/format.h>
#include <mpi.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>
#include <iostream>
#include <memory>
#include <optional>

#include "dynamite/config/config.hpp"
#include "dynamite/core/error.hpp"
#include "dynamite/core/timer.hpp"
#include "dynamite/core/units.hpp"
#include "dynamite/driver/commands.hpp"
#include "dynamite/driver/model_setup.hpp"
#include "dynamite/core/version.hpp"
#include "dynamite/orblib/library_file.hpp"
#include "dynamite/orblib/start_space.hpp"
#include "dynamite/physics/force_field.hpp"
#include "dynamite/physics/galaxy_potential.hpp"

namespace dynamite::driver {

namespace {

namespace fs = std::filesystem;

/// The orbit-grid lines of the original's parameters_pot.in (after N Gaussians, distance, angles,
/// ml, BH mass and softening): "nE logrmin logrmax", nI2, nI3, dithering (undithered sizes).
struct LegacyOrbitGrid {
  int nE = 0, nI2 = 0, nI3 = 0, dithering = 1;
  double logrmin_arcsec = 0, logrmax_arcsec = 0;
};

LegacyOrbitGrid read_legacy_orbit_grid(const fs::path& file) {
  std::ifstream is(file);
  if (!is) throw InputError(file, "", 0, "parameters_pot.in: cannot open");
  std::vector<std::string> lines;
  for (std::string l; std::getline(is, l);) lines.push_back(l);
  auto fail = [&](std::size_t line, const std::string& what) {
    throw InputError(file, "", static_cast<int>(line), "parameters_pot.in: " + what);
  };
  int n = 0;
  if (lines.empty() || !(std::istringstream(lines[0]) >> n) || n <= 0) fail(1, "expected the number of Gaussians first");
  const std::size_t base = static_cast<std::size_t>(n) + 6;
  if (lines.size() < base + 4) fail(lines.size(), "file ends before the orbit grid (nE logrmin logrmax, nI2, nI3, dithering)");
  LegacyOrbitGrid g;
  if (!(std::istringstream(lines[base]) >> g.nE >> g.logrmin_arcsec >> g.logrmax_arcsec) || g.nE <= 0 ||
      !(g.logrmax_arcsec > g.logrmin_arcsec))
    fail(base + 1, "expected 'nE logrmin logrmax' with nE > 0 and logrmax > logrmin");
  int* dest[3] = {&g.nI2, &g.nI3, &g.dithering};
  const char* names[3] = {"nI2", "nI3", "dithering"};
  for (int c = 0; c < 3; ++c)
    if (!(std::istringstream(lines[base + 1 + c]) >> *dest[c]) || *dest[c] <= 0)
      fail(base + 2 + c, fmt::format("expected a positive integer {}", names[c]));
  return g;
}

struct StartConditionsJob {
  physics::GalaxyPotentialSpec spec;
  std::shared_ptr<const physics::GalaxyPotential> direct;
  std::shared_ptr<const physics::InterpolatedForceField> forces;
  orblib::StartSpaceSettings start;
  fs::path datfil;
};

/// The model of an original parameters_pot.in: potential, force field (as model_physics builds it)
/// and start-space settings.
void legacy_model(const fs::path& file, StartConditionsJob& job) {
  job.spec = physics::read_legacy_parameters_pot(file);
  const LegacyOrbitGrid grid = read_legacy_orbit_grid(file);
  const double a2km = units::arcsec_to_km(job.spec.distance_mpc);
  auto direct = std::make_shared<physics::GalaxyPotential>(job.spec);
  double smin = std::numeric_limits<double>::infinity();
  for (const auto& g : job.spec.mge.gaussians()) smin = std::min(smin, g.sigma_arcsec * a2km);
  job.forces = std::make_shared<physics::InterpolatedForceField>(
      direct, physics::InterpolatedForceField::default_grid(smin, direct->stars().max_sigma(),
                                                            std::pow(10.0, grid.logrmin_arcsec) * a2km,
                                                            std::pow(10.0, grid.logrmax_arcsec) * a2km));
  job.direct = direct;
  auto& s = job.start;
  s.nE = grid.nE, s.nI2 = grid.nI2, s.nI3 = grid.nI3, s.dithering = grid.dithering;
  s.logrmin_km = grid.logrmin_arcsec + std::log10(a2km);
  s.logrmax_km = grid.logrmax_arcsec + std::log10(a2km);
  std::vector<double> T;
  for (const auto& g : direct->stars().gaussians()) T.push_back((1 - g.p * g.p) / (1 - g.q * g.q));
  s.triaxial = orblib::is_triaxial(T);
}

int run_start_conditions(const StartConditionsJob& job, double t_force) {
  PhaseTimer t("start space");
  const orblib::StartSpace ss = orblib::compute_start_space(*job.direct, *job.forces, job.start);
  const double t_start = t.report();
  fs::create_directories(job.datfil);
  orblib::write_begin_file(job.datfil / "begin.dat", ss.nE, ss.nI2, ss.nI3, ss.tubes);
  orblib::write_begin_file(job.datfil / "beginbox.dat", ss.nE, ss.nI2, ss.nI3, ss.boxes);
  int irregular = 0;
  for (int v : ss.irregular) irregular += v;
  std::cout << fmt::format("Start conditions: nE x nI2 x nI3 = {} x {} x {} (dithered), {} model, {} irregular "
                           "energies\n",
                           ss.nE, ss.nI2, ss.nI3, job.start.triaxial ? "triaxial" : "axisymmetric", irregular);
  std::cout << fmt::format("  wrote {}\n  wrote {}\n", (job.datfil / "begin.dat").string(),
                           (job.datfil / "beginbox.dat").string());
  std::cout << fmt::format("  timing: potential and force field {:.3f} s, start space {:.3f} s, total {:.3f} s\n",
                           t_force, t_start, t_force + t_start);
  return 0;
}

/// The whole library of the start model over the ranks of MPI_COMM_WORLD, written by rank 0 to
/// <model_dir>/orblib.h5 with the begin files in <model_dir>/datfil/.
int run_library(const config::Config& cfg, const fs::path& model_dir, bool noreg_bug, bool chain_shells) {
  ensure_mpi();
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (rank == 0) fs::create_directories(model_dir / "datfil");  // fail early, before hours of work
  PhaseTimer total("orbit library (total)");
  ModelPhysics m = [&] {
    PhaseTimer t("potential and force field");
    return model_physics(cfg, cfg.start_raw_values());
  }();
  m.start.reproduce_noreg_bug = noreg_bug;
  m.start.chain_shells = chain_shells;
  const orblib::StartSpace ss = [&] {
    PhaseTimer t("start space");
    return orblib::compute_start_space(*m.direct, *m.forces, m.start);
  }();
  const std::uint64_t seed = [&] {
    std::uint64_t s = library_seed(cfg);
    MPI_Bcast(&s, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);  // a drawn seed must be the same everywhere
    return s;
  }();
  std::vector<orblib::FailedOrbit> failed;
  orblib::OrbitLibrary lib;
  {
    PhaseTimer t(fmt::format("integration ({} ranks)", size));
    lib = library_builder(cfg, m, seed).build(MPI_COMM_WORLD, ss.tubes, ss.boxes, &failed);
  }
  if (rank != 0) return 0;
  lib.arcsec_to_km = units::arcsec_to_km(cfg.distance_mpc());
  lib.ml = m.spec.ml;
  lib.provenance = std::string("dynamite_mpi ") + kVersion;
  orblib::write_begin_file(model_dir / "datfil/begin.dat", ss.nE, ss.nI2, ss.nI3, ss.tubes);
  orblib::write_begin_file(model_dir / "datfil/beginbox.dat", ss.nE, ss.nI2, ss.nI3, ss.boxes);
  orblib::write_library(model_dir / "orblib.h5", lib);
  std::cout << fmt::format("Orbit library: {} tube + {} box bundles x {} members, seed {}{}\n", lib.tube.n_bundles,
                           lib.box.n_bundles, lib.tube.members, seed,
                           cfg.orblib().random_seed > 0 ? "" : " (drawn; random_seed <= 0)");
  std::cout << fmt::format("  wrote {}\n", (model_dir / "orblib.h5").string());
  std::cout << fmt::format("  failed orbits: {}\n", failed.size());
  for (const auto& f : failed) std::cout << "    " << f.reason << "\n";
  std::cout << fmt::format("  total {:.2f} s on {} ranks\n", total.seconds(), size);
  return failed.empty() ? 0 : exit_code::failure;
}

}  // namespace

void register_orblib(CLI::App& app, CommandRunner& selected) {
  auto* cmd = app.add_subcommand("orblib", "Build the orbit library of the start model (all MPI ranks share the "
                                           "work) into <output>/models/orblib_000_000/orblib.h5; "
                                           "--start-conditions-only computes only begin.dat and beginbox.dat");
  struct Options {
    std::string config, legacy_parameters, model_dir;
    bool start_only = false, legacy_noreg_bug = false, legacy_chain = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("config", o->config, "The DYNAMITE YAML configuration file");
  cmd->add_flag("--start-conditions-only", o->start_only, "Only compute the orbit start conditions");
  cmd->add_option("--legacy-parameters", o->legacy_parameters,
                  "Read the model from an original infil/parameters_pot.in instead of the config");
  cmd->add_option("--model-dir", o->model_dir,
                  "Model directory (default: <output>/models/orblib_000_000, or '.' with only "
                  "--legacy-parameters); files go to <model-dir>/datfil/");
  cmd->add_flag("--legacy-chained-shells", o->legacy_chain,
                "Start each energy shell's thin-tube search from the previous shell's result, as the original");
  cmd->add_flag("--legacy-noreg-bug", o->legacy_noreg_bug,
                "Reproduce the original's noreg flag on energy 1 instead of the last irregular energy");
  cmd->callback([&selected, o] {
    selected = [o] {
      if (!o->start_only) {
        if (o->config.empty()) throw InputError("", "orblib", 0, "give the config file of the model");
        const config::Config cfg = config::Config::load(o->config);
        const fs::path dir = o->model_dir.empty() ? cfg.io().model_directory() / "orblib_000_000" : fs::path(o->model_dir);
        return run_library(cfg, dir, o->legacy_noreg_bug, o->legacy_chain);
      }
      if (o->config.empty() && o->legacy_parameters.empty())
        throw InputError("", "orblib", 0, "give a config file or --legacy-parameters FILE");
      StartConditionsJob job;
      std::optional<config::Config> cfg;
      if (!o->config.empty()) cfg = config::Config::load(o->config);
      const auto t0 = std::chrono::steady_clock::now();  // a PhaseTimer would also log on input errors
      if (!o->legacy_parameters.empty()) {
        legacy_model(o->legacy_parameters, job);
      } else {
        ModelPhysics m = model_physics(*cfg, cfg->start_raw_values());
        job.spec = m.spec, job.direct = m.direct, job.forces = m.forces, job.start = m.start;
      }
      job.start.reproduce_noreg_bug = o->legacy_noreg_bug;
      job.start.chain_shells = o->legacy_chain;
      const double force_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      spdlog::info("timing: {:<28} {:10.3f} s", "potential and force field", force_seconds);
      fs::path model_dir = o->model_dir;
      if (model_dir.empty()) model_dir = cfg ? cfg->io().model_directory() / "orblib_000_000" : fs::path(".");
      job.datfil = model_dir / "datfil";
      return run_start_conditions(job, force_seconds);
    };
  });
}

}  // namespace dynamite::driver
