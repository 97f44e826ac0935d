#include <mpi.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>
#include <iostream>

#include "dynamite/config/config.hpp"
#include "dynamite/core/error.hpp"
#include "dynamite/core/logging.hpp"
#include "dynamite/core/version.hpp"
#include "dynamite/driver/commands.hpp"
#include "dynamite/weights/tao_solver.hpp"

namespace dynamite::driver {

void register_commands(CLI::App& app, CommandRunner& selected) {
  register_validate(app, selected);
  register_import_legacy(app, selected);
  register_orblib(app, selected);
  register_model(app, selected);
  register_weights(app, selected);
  register_output_commands(app, selected);
  register_run(app, selected);
}

namespace {

/// MPI is initialised only when the process was started by mpiexec/srun, so that plain
/// `dynamite_mpi validate` works on a login node without an MPI runtime.
bool launched_by_mpi() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "SLURM_STEP_ID"})
    if (std::getenv(var)) return true;
  return false;
}

struct MpiSession {
  bool active = false;
  MpiSession(int& argc, char**& argv) {
    if (launched_by_mpi()) {
      int provided = 0;
      MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
      active = true;
    }
  }
  ~MpiSession() {
    // Finalise whoever initialised MPI: the launcher case above, or ensure_mpi() of a command.
    weights::finalize_petsc();  // PETSc must go before MPI
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (init && !fin) MPI_Finalize();
  }
};

}  // namespace

void ensure_mpi() {
  int init = 0;
  MPI_Initialized(&init);
  if (!init) {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  }
}

void log_config_notices(const config::Config& cfg) {
  ensure_mpi();
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0)
    for (const auto& n : cfg.notices()) spdlog::info("config: {}", n);
}

int main(int argc, char** argv) {
  MpiSession mpi(argc, argv);
  {
    // Log to stderr (stdout is for results, e.g. --json); commands that run models add a log file.
    logging::Options console_only;
    console_only.no_logfile = true;
    int rank = 0, init = 0;
    MPI_Initialized(&init);
    if (init) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    console_only.rank = rank;
    logging::setup(console_only);
  }
  CLI::App app{"DYNAMITE-MPI: triaxial Schwarzschild orbit-superposition models on MPI clusters.\n"
               "Reads an unchanged DYNAMITE project (config YAML, MGE, kinematics, apertures, bins)."};
  app.set_version_flag("--version", std::string("dynamite_mpi ") + kVersion +
                                        " (reproduces DYNAMITE " + kReferenceDynamiteVersion + ")");
  app.require_subcommand(1);
  CommandRunner selected;
  register_commands(app, selected);
  // `dynamite_mpi config.yaml` is `dynamite_mpi run config.yaml`, as users run the original.
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty()) {
    const std::string ext = std::filesystem::path(args[0]).extension().string();
    if (ext == ".yaml" || ext == ".yml") args.insert(args.begin(), "run");
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments in reverse order
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : exit_code::input_error;
  }
  try {
    return selected ? selected() : exit_code::failure;
  } catch (const InputError& e) {
    std::cerr << "dynamite_mpi: error: " << e.what() << "\n";
    return exit_code::input_error;
  } catch (const NotSupportedError& e) {
    std::cerr << "dynamite_mpi: not supported yet: " << e.what() << "\n";
    return exit_code::input_error;
  } catch (const std::exception& e) {
    std::cerr << "dynamite_mpi: error: " << e.what() << "\n";
    return exit_code::failure;
  }
}

}  // namespace dynamite::driver
