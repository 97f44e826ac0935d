// Output management with the original DYNAMITE's semantics (Configuration.remove_* and
// backup_config_file): what `dynamite_mpi clean` and `dynamite_mpi backup-config` do.
//
// Every function refuses to touch anything outside the configured output directory, and returns the
// list of paths it removed or created so the command can print it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dynamite/config/settings.hpp"

namespace dynamite::driver {

struct CleanReport {
  std::vector<std::filesystem::path> removed;
  std::vector<std::string> warnings;
};

/// remove_existing_orblibs: the whole output/models/ directory (not recreated).
CleanReport remove_orblibs(const config::IoSettings& io);
/// remove_existing_orbital_weights: every output/models/*/ml* directory.
CleanReport remove_weights(const config::IoSettings& io);
/// remove_existing_plots: regular files directly inside output/plots/ (subdirectories kept), or
/// the whole plots tree with `whole_directory`.
CleanReport remove_plots(const config::IoSettings& io, bool whole_directory = false);
/// remove_existing_all_models_file: output/<all_models_file>, or with `wipe_other_files` every
/// regular file directly inside output/.
CleanReport remove_all_models_file(const config::IoSettings& io, bool wipe_other_files = false);
/// remove_all_existing_output: with `wipe_all` the whole output tree; otherwise orblibs, plot files
/// and the all-models file. Then the tree output/, models/, plots/ is created again.
CleanReport remove_all_output(const config::IoSettings& io, bool wipe_all = false);

/// backup_config_file: copy the config into output/ as <stem>_NNN<ext> with NNN one more than the
/// highest existing index (000 if none). `keep` (>= 1) first deletes all but the `keep` highest
/// existing backups; `reset` deletes every output/*<ext> first and writes index 000;
/// `delete_other` removes backups with another stem. Returns the new file.
std::filesystem::path backup_config(const std::filesystem::path& config_file,
                                    const config::IoSettings& io, std::optional<int> keep,
                                    bool reset, bool delete_other, CleanReport& report);

/// Create output/, output/models/, output/plots/ (parents of output/ must exist, as the original).
void make_output_tree(const config::IoSettings& io);

}  // namespace dynamite::driver
