// `dynamite_mpi validate config.yaml`: placeholder registration, replaced by the config module work.
#include "dynamite/driver/commands.hpp"

namespace dynamite::driver {
void register_validate(CLI::App& app, CommandRunner& selected) {
  auto* cmd = app.add_subcommand("validate", "Check a DYNAMITE config and its input files; print a summary");
  auto path = std::make_shared<std::string>();
  cmd->add_option("config", *path, "The DYNAMITE YAML configuration file")->required();
  cmd->callback([&selected, path] { selected = [path] { return 1; }; });
}
}  // namespace dynamite::driver
