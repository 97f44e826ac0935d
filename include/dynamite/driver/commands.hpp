// The subcommands of dynamite_mpi. Each lives in its own src/driver/cmd_<name>.cpp and registers
// itself on the CLI11 application; its handler returns the process exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>

namespace dynamite::config {
class Config;
}

namespace dynamite::driver {

/// What a subcommand's callback produces: run later by main(), after parsing succeeded.
using CommandRunner = std::function<int()>;

/// Register every subcommand on `app`; the parsed one stores its runner in `selected`.
void register_commands(CLI::App& app, CommandRunner& selected);

// One registration function per subcommand (defined in cmd_<name>.cpp).
void register_validate(CLI::App& app, CommandRunner& selected);
void register_import_legacy(CLI::App& app, CommandRunner& selected);
void register_orblib(CLI::App& app, CommandRunner& selected);
void register_model(CLI::App& app, CommandRunner& selected);
void register_weights(CLI::App& app, CommandRunner& selected);
void register_output_commands(CLI::App& app, CommandRunner& selected);  // clean, backup-config
void register_run(CLI::App& app, CommandRunner& selected);

/// Initialise MPI (as a singleton) if the process was not started by mpiexec/srun; finalised by main().
void ensure_mpi();

/// Log the configuration's notices (ignored or non-DYNAMITE settings), once, from rank 0.
void log_config_notices(const config::Config& cfg);

/// Entry point of dynamite_mpi: parses the command line, runs the subcommand, maps exceptions to
/// exit codes (InputError -> 2, other errors -> 1) with a one-line message on stderr.
int main(int argc, char** argv);

}  // namespace dynamite::driver
