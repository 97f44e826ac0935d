#include "test_support.hpp"

#include <mpi.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace dynamite::testing {

std::optional<fs::path> shared_dir() {
  if (const char* env = std::getenv("DYNAMITE_SHARED_DIR"); env && *env) {
    fs::path p(env);
    if (fs::is_directory(p / "reference-outputs")) return fs::canonical(p);
    return std::nullopt;
  }
  fs::path p = DYNAMITE_SHARED_DIR_DEFAULT;
  if (fs::is_directory(p / "reference-outputs")) return fs::canonical(p);
  return std::nullopt;
}

fs::path source_dir() {
  if (const char* env = std::getenv("DYNAMITE_SOURCE_DIR"); env && *env) return fs::path(env);
  return fs::path(DYNAMITE_SOURCE_DIR_DEFAULT);
}

TempDir::TempDir(const std::string& tag) {
  std::random_device rd;
  std::mt19937_64 gen(rd());
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path p = fs::temp_directory_path() /
                 ("dynamite-test-" + tag + "-" + std::to_string(getpid()) + "-" +
                  std::to_string(gen() % 1000000000ULL));
    if (fs::create_directory(p)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("TempDir: cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!std::getenv("DYNAMITE_KEEP_TEST_DIRS")) fs::remove_all(path_, ec);
}

CommandResult run_command(const std::string& command, const fs::path& cwd) {
  TempDir tmp("cmd");
  const fs::path out = tmp / "stdout";
  const fs::path err = tmp / "stderr";
  std::string full;
  if (!cwd.empty()) full += "cd '" + cwd.string() + "' && ";
  full += "( " + command + " ) >'" + out.string() + "' 2>'" + err.string() + "'";
  const int status = std::system(full.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  auto slurp = [](const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

std::string dynamite_executable() {
  const char* env = std::getenv("DYNAMITE_MPI_EXE");
  return env && *env ? env : DYNAMITE_MPI_EXE_DEFAULT;
}

CommandResult run_dynamite(const std::string& args, const fs::path& cwd) {
  std::string cmd = "'" + dynamite_executable() + "'";
  return run_command(cmd + " " + args, cwd);
}

CommandResult import_reference_library(const TempDir& tmp, const fs::path& shared) {
  return run_dynamite("import-legacy '" + (shared / "reference-outputs/NGC6278_ml654").string() + "' -o lib.h5",
                      tmp.path());
}

fs::path shared_config(const TempDir& tmp, const fs::path& shared, const std::string& name) {
  fs::copy_file(shared / "data/configs" / name, tmp / name);
  fs::create_directory_symlink(shared / "data/NGC6278_input", tmp / "NGC6278_input");
  return tmp / name;
}

void ensure_mpi_initialised() {
  int init = 0;
  MPI_Initialized(&init);
  if (!init) MPI_Init(nullptr, nullptr);
}

std::string snapshot_tree(const fs::path& dir) {
  std::set<std::string> entries;
  if (fs::exists(dir))
    for (const auto& e : fs::recursive_directory_iterator(dir))
      entries.insert(fs::relative(e.path(), dir).string() +
                     (e.is_regular_file() ? ":" + std::to_string(e.file_size()) : "/"));
  std::string s;
  for (const auto& e : entries) s += e + "\n";
  return s;
}

}  // namespace dynamite::testing
