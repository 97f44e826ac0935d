// `dynamite_mpi run config.yaml` (or just `dynamite_mpi config.yaml`): the parameter search of the
// original's ModelIterator (dynamite-python-layer.md §3.1-3.4). Every rank keeps the same
// all_models table (the generators are deterministic and each model's chi2 values are broadcast);
// every orbit library is built by all ranks together; rank 0 solves the weights and writes the files.
// The table is rewritten atomically after every model and every library and weights file is written
// atomically, so a run killed at any moment continues where it stopped when started again.
#include <fmt/format.h>
#include <mpi.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <set>

#include "dynamite/config/config.hpp"
#include "dynamite/core/error.hpp"
#include "dynamite/core/logging.hpp"
#include "dynamite/driver/commands.hpp"
#include "dynamite/driver/model_run.hpp"
#include "dynamite/driver/output_management.hpp"
#include "dynamite/search/generator.hpp"

namespace fs = std::filesystem;

namespace dynamite::driver {

namespace {

struct SearchRun {
  const config::Config& cfg;
  search::AllModels table;
  std::unique_ptr<search::ParameterGenerator> gen;
  int rank = 0;
  std::size_t ml_index = 0;

  explicit SearchRun(const config::Config& c)
      : cfg(c), table(c.parameter_names()) {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const auto& ps = cfg.parameters();
    for (std::size_t i = 0; i < ps.size(); ++i)
      if (ps[i].name == "ml") ml_index = i;
    gen = search::make_generator(ps, cfg.parameter_space(),
                                 [this](const std::vector<double>& raw) { return cfg.parset_problem(raw).empty(); });
    if (fs::exists(cfg.io().all_models_path())) {
      table = search::AllModels::read(cfg.io().all_models_path(), cfg.parameter_names());
      spdlog::info("continuing the search in {} ({} models, {} done)", cfg.io().all_models_path().string(),
                   table.rows().size(), n_done());
    }
  }

  long n_done() const {
    long n = 0;
    for (const auto& r : table.rows()) n += r.all_done;
    return n;
  }
  void save() const {
    if (rank == 0) table.write(cfg.io().all_models_path());
  }

  /// Same orbit library: every parameter but ml within numpy.allclose(rtol 1e-5, atol 1e-8).
  bool same_orblib(const search::ModelRow& a, const search::ModelRow& b) const {
    for (std::size_t k = 0; k < a.par.size(); ++k)
      if (k != ml_index && std::abs(a.par[k] - b.par[k]) > 1e-8 + 1e-5 * std::abs(b.par[k])) return false;
    return true;
  }

  void assign_directories() {
    auto& rows = table.rows();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (!rows[i].directory.empty()) continue;
      std::string lib;
      for (std::size_t j = 0; j < i && lib.empty(); ++j)
        if (!rows[j].directory.empty() && same_orblib(rows[j], rows[i]))
          lib = rows[j].directory.substr(0, rows[j].directory.find('/'));
      if (lib.empty()) {
        std::set<std::string> libs;
        for (const auto& r : rows)
          if (r.which_iter == rows[i].which_iter && !r.directory.empty()) libs.insert(r.directory.substr(0, r.directory.find('/')));
        std::size_t n = 0;
        while (libs.count(fmt::format("orblib_{:03d}_{:03d}", rows[i].which_iter, n))) ++n;
        lib = fmt::format("orblib_{:03d}_{:03d}", rows[i].which_iter, n);
      }
      rows[i].directory = fmt::format("{}/{}/", lib, ml_directory_name(rows[i].par[ml_index]));
    }
    save();
  }

  void evaluate(std::size_t i) {
    auto& r = table.rows()[i];
    const auto raw = gen->raw_of(r);
    const fs::path models = cfg.io().model_directory();
    const std::string lib_dir = r.directory.substr(0, r.directory.find('/'));
    double lib_seconds = 0;
    const auto lib = obtain_library(cfg, raw, models / lib_dir, &lib_seconds);
    double result[4] = {NAN, NAN, NAN, 0};
    if (rank == 0) {
      try {
        const auto m = solve_model(cfg, raw, lib, models / r.directory);
        result[0] = m.chi2, result[1] = m.kinchi2, result[2] = m.kinmapchi2, result[3] = m.success ? 1 : 0;
        spdlog::info("model {} ({}): chi2 {:.4f}, kinchi2 {:.4f}, kinmapchi2 {:.4f}, {} in {:.2f} s", i, r.directory,
                     m.chi2, m.kinchi2, m.kinmapchi2, m.solve.status, lib_seconds + m.weights_seconds);
      } catch (const NumericalError& e) {
        spdlog::warn("model {} ({}) failed: {}", i, r.directory, e.what());
      }
    }
    MPI_Bcast(result, 4, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    r.chi2 = result[0], r.kinchi2 = result[1], r.kinmapchi2 = result[2];
    r.orblib_done = true;
    r.weights_done = r.all_done = result[3] > 0;
    r.time_modified = search::utc_timestamp();
    save();
  }

  /// Rows generated or assigned before an interruption are computed first (their libraries and
  /// weights are reused when their files exist).
  void resume() {
    if (!cfg.weight_solver().reattempt_failures) {
      // As the original with reattempt_failures: False: unfinished models leave the table (their
      // files stay on disk; nothing is deleted) and the generator may propose them again.
      auto& rows = table.rows();
      const auto before = rows.size();
      rows.erase(std::remove_if(rows.begin(), rows.end(), [](const search::ModelRow& r) { return !r.all_done; }),
                 rows.end());
      if (rows.size() != before) {
        spdlog::info("reattempt_failures is False: {} unfinished models removed from the table", before - rows.size());
        save();
      }
    }
    bool any = false;
    for (const auto& r : table.rows()) any = any || !r.all_done;
    if (!any) return;
    assign_directories();
    for (std::size_t i = 0; i < table.rows().size(); ++i)
      if (!table.rows()[i].all_done) evaluate(i);
  }

  int run() {
    resume();
    const long previous_iter = table.max_iter();
    const long n_max_iter = cfg.parameter_space().n_max_iter.value_or(0);
    const long n_max_mods = cfg.parameter_space().n_max_mods.value_or(std::numeric_limits<long>::max());
    search::GeneratorStatus status;
    for (long iteration = 1; iteration <= n_max_iter;) {
      const long total_iter = previous_iter + iteration;
      if (n_done() >= n_max_mods || status.stop) break;
      iteration += total_iter == 0 ? 2 : 1;
      status = gen->generate(table);
      save();
      if (status.stop) break;
      spdlog::info("iteration {}: {} new models", table.max_iter(), status.n_new_models);
      assign_directories();
      for (std::size_t i = 0; i < table.rows().size(); ++i)
        if (!table.rows()[i].all_done) evaluate(i);
    }
    if (rank == 0) {
      std::cout << fmt::format("Search finished: {} models ({} done) in {}\n", table.rows().size(), n_done(),
                               cfg.io().all_models_path().string());
      const std::string& which = cfg.parameter_space().which_chi2;
      int best = -1;
      for (std::size_t i = 0; i < table.rows().size(); ++i) {
        const double v = table.rows()[i].value(which);
        if (!std::isnan(v) && (best < 0 || v < table.rows()[best].value(which))) best = static_cast<int>(i);
      }
      if (best >= 0)
        std::cout << fmt::format("  best {} = {:.4f}: {}\n", which, table.rows()[best].value(which), table.rows()[best].directory);
    }
    return 0;
  }
};

}  // namespace

void register_run(CLI::App& app, CommandRunner& selected) {
  struct Options {
    std::string config, logfile = "dynamite", console_level = "info", logfile_level = "debug";
    bool no_logfile = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("run", "Run the parameter search of the configuration (also: dynamite_mpi config.yaml); "
                                        "continues an interrupted search");
  cmd->add_option("config", o->config, "The DYNAMITE YAML configuration file")->required();
  cmd->add_option("--logfile", o->logfile, "Log file name without .log ('timestamp': a UTC-stamped name)");
  cmd->add_flag("--no-logfile", o->no_logfile, "Do not write a log file");
  cmd->add_option("--console-level", o->console_level, "debug, info, warning, error");
  cmd->add_option("--logfile-level", o->logfile_level, "debug, info, warning, error");
  cmd->callback([&selected, o] {
    selected = [o] {
      const config::Config cfg = config::Config::load(o->config);
      ensure_mpi();
      int rank = 0;
      MPI_Comm_rank(MPI_COMM_WORLD, &rank);
      logging::Options lo;
      lo.logfile = o->logfile, lo.no_logfile = o->no_logfile;
      lo.console_level = o->console_level, lo.logfile_level = o->logfile_level;
      lo.directory = cfg.file().parent_path();
      lo.rank = rank;
      logging::setup(lo);
      log_config_notices(cfg);
      if (rank == 0) make_output_tree(cfg.io());
      MPI_Barrier(MPI_COMM_WORLD);
      return SearchRun(cfg).run();
    };
  });
}

}  // namespace dynamite::driver
