#include <gtest/gtest.h>

#include <fstream>

#include "dynamite/core/error.hpp"
#include "dynamite/driver/output_management.hpp"
#include "test_support.hpp"

using namespace dynamite;
namespace fs = std::filesystem;

namespace {
void touch(const fs::path& p) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << "x";
}
config::IoSettings io_for(const fs::path& root) {
  config::IoSettings io;
  io.input_directory = root / "in";
  io.output_directory = root / "output";
  io.all_models_file = "all_models.ecsv";
  return io;
}
}  // namespace

TEST(OutputManagement, CleanWeightsKeepsLibrariesAndTable) {
  dynamite::testing::TempDir tmp("clean");
  const auto io = io_for(tmp.path());
  touch(tmp / "output/models/orblib_000_000/datfil/orblib.h5");
  touch(tmp / "output/models/orblib_000_000/ml05.00/orbit_weights.ecsv");
  touch(tmp / "output/models/orblib_000_000/ml04.00/orbit_weights.ecsv");
  touch(tmp / "output/all_models.ecsv");
  const auto rep = driver::remove_weights(io);
  EXPECT_EQ(rep.removed.size(), 2u);
  EXPECT_FALSE(fs::exists(tmp / "output/models/orblib_000_000/ml05.00"));
  EXPECT_TRUE(fs::exists(tmp / "output/models/orblib_000_000/datfil/orblib.h5"));
  EXPECT_TRUE(fs::exists(tmp / "output/all_models.ecsv"));
}

TEST(OutputManagement, CleanPlotsRemovesFilesNotSubdirectories) {
  dynamite::testing::TempDir tmp("clean");
  const auto io = io_for(tmp.path());
  touch(tmp / "output/plots/chi2.png");
  touch(tmp / "output/plots/mine/keep.png");
  driver::remove_plots(io);
  EXPECT_FALSE(fs::exists(tmp / "output/plots/chi2.png"));
  EXPECT_TRUE(fs::exists(tmp / "output/plots/mine/keep.png"));
}

TEST(OutputManagement, CleanAllKeepsUserFilesAndRecreatesTree) {
  dynamite::testing::TempDir tmp("clean");
  const auto io = io_for(tmp.path());
  touch(tmp / "output/models/orblib_000_000/datfil/x");
  touch(tmp / "output/all_models.ecsv");
  touch(tmp / "output/my_notes.txt");
  touch(tmp / "outside.txt");
  driver::remove_all_output(io, false);
  EXPECT_TRUE(fs::is_directory(tmp / "output/models"));
  EXPECT_TRUE(fs::is_empty(tmp / "output/models"));
  EXPECT_FALSE(fs::exists(tmp / "output/all_models.ecsv"));
  EXPECT_TRUE(fs::exists(tmp / "output/my_notes.txt"));
  driver::remove_all_output(io, true);
  EXPECT_FALSE(fs::exists(tmp / "output/my_notes.txt"));
  EXPECT_TRUE(fs::exists(tmp / "outside.txt"));
}

TEST(OutputManagement, BackupConfigNumbersAndKeeps) {
  dynamite::testing::TempDir tmp("backup");
  const auto io = io_for(tmp.path());
  touch(tmp / "cfg.yaml");
  driver::CleanReport rep;
  EXPECT_EQ(driver::backup_config(tmp / "cfg.yaml", io, {}, false, false, rep).filename(), "cfg_000.yaml");
  EXPECT_EQ(driver::backup_config(tmp / "cfg.yaml", io, {}, false, false, rep).filename(), "cfg_001.yaml");
  EXPECT_EQ(driver::backup_config(tmp / "cfg.yaml", io, {}, false, false, rep).filename(), "cfg_002.yaml");
  // keep = 1: all but the highest existing backup go, then 003 is added: two files remain.
  EXPECT_EQ(driver::backup_config(tmp / "cfg.yaml", io, 1, false, false, rep).filename(), "cfg_003.yaml");
  EXPECT_FALSE(fs::exists(tmp / "output/cfg_001.yaml"));
  EXPECT_TRUE(fs::exists(tmp / "output/cfg_002.yaml"));
  EXPECT_THROW(driver::backup_config(tmp / "cfg.yaml", io, 0, false, false, rep), InputError);
  EXPECT_EQ(driver::backup_config(tmp / "cfg.yaml", io, {}, true, false, rep).filename(), "cfg_000.yaml");
  EXPECT_FALSE(fs::exists(tmp / "output/cfg_003.yaml"));
}

TEST(OutputManagement, RefusesDangerousOutputDirectories) {
  config::IoSettings io;
  io.output_directory = "/";
  io.all_models_file = "all_models.ecsv";
  EXPECT_THROW(driver::remove_orblibs(io), InputError);
}

TEST(OutputCommands, CleanAndBackupThroughTheCli) {
  dynamite::testing::TempDir tmp("cleancli");
  fs::copy(dynamite::testing::source_dir() / "tests/data/broken", tmp.path(), fs::copy_options::recursive);
  const fs::path dir = tmp / "valid_base";
  touch(dir / "output/models/orblib_000_000/orblib.h5");
  touch(dir / "output/models/orblib_000_000/ml05.00/orbit_weights.ecsv");
  touch(dir / "output/plots/chi2.png");
  auto r = dynamite::testing::run_dynamite("clean config.yaml --weights", dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("removed"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "output/models/orblib_000_000/ml05.00"));
  EXPECT_TRUE(fs::exists(dir / "output/models/orblib_000_000/orblib.h5"));
  EXPECT_EQ(dynamite::testing::run_dynamite("clean config.yaml", dir).exit_code, 2);
  r = dynamite::testing::run_dynamite("backup-config config.yaml", dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir / "output/config_000.yaml"));
  EXPECT_EQ(dynamite::testing::run_dynamite("backup-config config.yaml --keep 0", dir).exit_code, 2);
  r = dynamite::testing::run_dynamite("clean config.yaml --all", dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(dir / "output/models/orblib_000_000"));
  EXPECT_FALSE(fs::exists(dir / "output/plots/chi2.png"));
  EXPECT_TRUE(fs::exists(dir / "output/config_000.yaml"));  // user files in output/ stay
  EXPECT_TRUE(fs::exists(tmp / "input_base/kins.ecsv"));     // nothing outside output/ is touched
}
