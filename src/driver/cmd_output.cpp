// `dynamite_mpi clean` and `dynamite_mpi backup-config`: output management with the original's
// semantics (Configuration.remove_* and backup_config_file). Each prints what it removed and never
// touches anything outside the configured output directory.
#include <fmt/format.h>

#include <iostream>

#include "dynamite/config/config.hpp"
#include "dynamite/core/error.hpp"
#include "dynamite/driver/commands.hpp"
#include "dynamite/driver/output_management.hpp"

namespace dynamite::driver {

namespace {
void print(const CleanReport& r) {
  for (const auto& p : r.removed) std::cout << "removed " << p.string() << "\n";
  for (const auto& w : r.warnings) std::cerr << "warning: " << w << "\n";
  if (r.removed.empty()) std::cout << "nothing to remove\n";
}
}  // namespace

void register_output_commands(CLI::App& app, CommandRunner& selected) {
  struct CleanOptions {
    std::string config;
    bool orblibs = false, weights = false, plots = false, all_models = false, all = false, wipe = false;
  };
  auto c = std::make_shared<CleanOptions>();
  auto* clean = app.add_subcommand("clean", "Remove outputs of a project (only inside its output directory)");
  clean->add_option("config", c->config, "The DYNAMITE YAML configuration file")->required();
  clean->add_flag("--orblibs", c->orblibs, "Remove output/models/ (every orbit library and weight solution)");
  clean->add_flag("--weights", c->weights, "Remove every output/models/*/ml* directory, keeping the libraries");
  clean->add_flag("--plots", c->plots, "Remove the files directly inside output/plots/");
  clean->add_flag("--all-models", c->all_models, "Remove the all-models table");
  clean->add_flag("--all", c->all, "Remove libraries, plot files and the table, keeping other files of output/");
  clean->add_flag("--wipe", c->wipe, "With --all: remove everything inside output/");
  clean->callback([&selected, c] {
    selected = [c] {
      if (!(c->orblibs || c->weights || c->plots || c->all_models || c->all))
        throw InputError("", "clean", 0, "say what to remove: --orblibs, --weights, --plots, --all-models or --all");
      if (c->wipe && !c->all) throw InputError("", "--wipe", 0, "--wipe goes with --all");
      const config::Config cfg = config::Config::load(c->config);
      const auto& io = cfg.io();
      if (c->all) print(remove_all_output(io, c->wipe));
      if (c->orblibs && !c->all) print(remove_orblibs(io));
      if (c->weights && !c->all && !c->orblibs) print(remove_weights(io));
      if (c->plots && !c->all) print(remove_plots(io));
      if (c->all_models && !c->all) print(remove_all_models_file(io));
      return 0;
    };
  });

  struct BackupOptions {
    std::string config;
    std::optional<int> keep;
    bool reset = false, delete_other = false;
  };
  auto b = std::make_shared<BackupOptions>();
  auto* backup = app.add_subcommand("backup-config", "Copy the config into output/ as <name>_NNN.yaml");
  backup->add_option("config", b->config, "The DYNAMITE YAML configuration file")->required();
  backup->add_option("--keep", b->keep, "Keep only the newest N earlier backups (N >= 1)");
  backup->add_flag("--reset", b->reset, "Delete every output/*.yaml first and start again at 000");
  backup->add_flag("--delete-other", b->delete_other, "Delete backups of configs with other names");
  backup->callback([&selected, b] {
    selected = [b] {
      if (b->keep && *b->keep < 1) throw InputError("", "--keep", 0, "Parameter keep must be a positive integer.");
      const config::Config cfg = config::Config::load(b->config);
      CleanReport rep;
      const auto file = backup_config(cfg.file(), cfg.io(), b->keep, b->reset, b->delete_other, rep);
      for (const auto& p : rep.removed) std::cout << "removed " << p.string() << "\n";
      std::cout << "wrote " << file.string() << "\n";
      return 0;
    };
  });
}

}  // namespace dynamite::driver
