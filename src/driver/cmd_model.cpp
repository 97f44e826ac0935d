// `dynamite_mpi model config.yaml`: one model end to end (the start parameter set, or --ml X), and
// `dynamite_mpi weights config.yaml --orblib FILE.h5 [--ml X]`: the weights of an existing library.
#include <fmt/format.h>
#include <mpi.h>

#include <cmath>
#include <filesystem>
#include <iostream>

#include "dynamite/core/error.hpp"
#include "dynamite/driver/commands.hpp"
#include "dynamite/driver/model_run.hpp"
#include "dynamite/orblib/library_file.hpp"

namespace dynamite::driver {

namespace fs = std::filesystem;

namespace {

std::vector<double> parameters_with_ml(const config::Config& cfg, std::optional<double> ml) {
  auto raw = cfg.start_raw_values();
  if (ml) {
    const auto& ps = cfg.parameters();
    for (std::size_t i = 0; i < ps.size(); ++i)
      if (ps[i].name == "ml") raw[i] = ps[i].logarithmic ? std::log10(*ml) : *ml;
  }
  const std::string problem = cfg.parset_problem(raw);
  if (!problem.empty()) throw InputError(cfg.file(), "--ml", 0, problem);
  return raw;
}

void report(const ModelOutcome& m, bool json) {
  if (json) {
    std::cout << outcome_json(m) << "\n";
    return;
  }
  std::cout << fmt::format("Model ml = {}: chi2 = {:.6f}, kinchi2 = {:.6f}, kinmapchi2 = {:.6f}\n", m.ml,
                           m.chi2, m.kinchi2, m.kinmapchi2);
  std::cout << fmt::format("  solver {} ({}, {} iterations, {:.3f} s); weights and chi2 in {:.3f} s\n", m.solve.solver,
                           m.solve.status, m.solve.iterations, m.solve.seconds, m.weights_seconds);
  std::cout << fmt::format("  wrote {}\n", m.ml_directory.string());
}

}  // namespace

void register_model(CLI::App& app, CommandRunner& selected) {
  auto* cmd = app.add_subcommand("model", "Run one model end to end: orbit library (or its reuse), weights and chi2 of "
                                          "the start parameter set (or --ml X)");
  struct Options {
    std::string config;
    std::optional<double> ml;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("config", o->config, "The DYNAMITE YAML configuration file")->required();
  cmd->add_option("--ml", o->ml, "Mass-to-light ratio of the model (default: the config's start value)");
  cmd->add_flag("--json", o->json, "Print one JSON object with the results");
  cmd->callback([&selected, o] {
    selected = [o] {
      const config::Config cfg = config::Config::load(o->config);
      log_config_notices(cfg);
      const auto start = cfg.start_raw_values();
      const auto raw = parameters_with_ml(cfg, o->ml);
      const fs::path orblib_dir = cfg.io().model_directory() / "orblib_000_000";
      double orblib_seconds = 0;
      // The library belongs to the start parameters; other ml values reuse it with scaled velocities.
      const auto lib = obtain_library(cfg, start, orblib_dir, &orblib_seconds);
      int rank = 0;
      MPI_Comm_rank(MPI_COMM_WORLD, &rank);
      if (rank != 0) return 0;
      const double ml = cfg.par_value(raw, "ml");
      auto m = solve_model(cfg, raw, lib, orblib_dir / ml_directory_name(ml));
      m.orblib_seconds = orblib_seconds;
      report(m, o->json);
      return m.success ? 0 : exit_code::failure;
    };
  });
}

void register_weights(CLI::App& app, CommandRunner& selected) {
  auto* cmd = app.add_subcommand("weights", "Solve the orbit weights of an existing library file (ours or from "
                                            "import-legacy); the config gives the data and the solver settings");
  struct Options {
    std::string config, orblib, output;
    std::optional<double> ml;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("config", o->config, "The DYNAMITE YAML configuration file")->required();
  cmd->add_option("--orblib", o->orblib, "The orbit-library file (orblib.h5)")->required();
  cmd->add_option("--ml", o->ml, "Mass-to-light ratio (default: the config's start value)");
  cmd->add_option("-o,--output", o->output, "Directory for the results (default: mlZZ.ZZ beside the library)");
  cmd->add_flag("--json", o->json, "Print one JSON object with the results");
  cmd->callback([&selected, o] {
    selected = [o] {
      const config::Config cfg = config::Config::load(o->config);
      log_config_notices(cfg);
      const auto raw = parameters_with_ml(cfg, o->ml);
      const auto lib = orblib::read_library(o->orblib);
      const double ml = cfg.par_value(raw, "ml");
      const fs::path dir = o->output.empty() ? fs::path(o->orblib).parent_path() / ml_directory_name(ml) : fs::path(o->output);
      const auto m = solve_model(cfg, raw, lib, dir);
      report(m, o->json);
      return m.success ? 0 : exit_code::failure;
    };
  });
}

}  // namespace dynamite::driver
