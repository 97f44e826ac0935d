// Helpers shared by the test suites: where the reference material (../shared) is, temporary
// directories that clean up after themselves, and running the dynamite_mpi executable.
#pragma once
#include <filesystem>
#include <optional>
#include <string>

namespace dynamite::testing {

/// ../shared beside the source tree, or nullopt when absent (a user's clone has none).
std::optional<std::filesystem::path> shared_dir();

/// Skip the current test cleanly when ../shared is absent; returns the path otherwise.
#define DYNAMITE_REQUIRE_SHARED(var)                                                  \
  auto var##_opt = ::dynamite::testing::shared_dir();                                 \
  if (!var##_opt) GTEST_SKIP() << "../shared not present: reference-data test skipped"; \
  const std::filesystem::path var = *var##_opt

/// The source tree (for examples/ and tests/data/).
std::filesystem::path source_dir();

/// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  explicit TempDir(const std::string& tag = "dyn");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& s) const { return path_ / s; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  ///< stdout
  std::string err;  ///< stderr
};

/// Path of the dynamite_mpi executable under test.
std::string dynamite_executable();

/// Run the dynamite_mpi executable with the given argument string (shell-quoted by the caller),
/// in working directory `cwd` (empty: current).
CommandResult run_dynamite(const std::string& args, const std::filesystem::path& cwd = {});

/// `dynamite_mpi import-legacy` of ../shared's reference model (NGC6278_ml654) into tmp/lib.h5.
CommandResult import_reference_library(const TempDir& tmp, const std::filesystem::path& shared);

/// Run an arbitrary shell command, capturing stdout and stderr.
CommandResult run_command(const std::string& command, const std::filesystem::path& cwd = {});

/// Copy configs/<name> of ../shared into `tmp` beside a link to its NGC6278_input, as the config's
/// relative input_directory expects; returns the config's path.
std::filesystem::path shared_config(const TempDir& tmp, const std::filesystem::path& shared,
                                    const std::string& name = "user_test_config_ml.yaml");

/// MPI_Init (singleton) unless already initialised, for tests that use communicators directly.
void ensure_mpi_initialised();

/// Recursively list every file below `dir` (for "nothing was written" checks).
std::string snapshot_tree(const std::filesystem::path& dir);

}  // namespace dynamite::testing
