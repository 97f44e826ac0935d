// The parameter search as a user runs it: `dynamite_mpi config.yaml`, the all_models table read by
// astropy, and a run killed with SIGKILL in the middle of an iteration that, started again, loses no
// finished model and ends with the same table as an uninterrupted run.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "dynamite/search/all_models.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using dynamite::testing::run_command;
using dynamite::testing::run_dynamite;
using dynamite::testing::TempDir;

namespace {
void small_search(const TempDir& tmp) {
  fs::copy(dynamite::testing::source_dir() / "examples/NGC6278", tmp.path(), fs::copy_options::recursive);
  std::ifstream in(tmp / "config.yaml");
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (auto [from, to] : {std::pair<std::string, std::string>{"sampling: 20000", "sampling: 2000"},
                          {"orbital_periods: 200", "orbital_periods: 20"},
                          {"nE: 4", "nE: 2"},
                          {"min_delta_chi2_abs: 0.5", "min_delta_chi2_abs: -1.0e9"},
                          {"n_max_mods: 6", "n_max_mods: 7"},
                          {"n_max_iter: 3", "n_max_iter: 4"}}) {
    const auto p = s.find(from);
    ASSERT_NE(p, std::string::npos) << from;
    s.replace(p, from.size(), to);
  }
  std::ofstream(tmp / "config.yaml") << s;
}
std::vector<std::string> names() { return {"m-bh", "a-bh", "c-dh", "f-dh", "q-stars", "p-stars", "u-stars", "ml"}; }
}  // namespace

TEST(RunCli, SearchWritesTheTableAstropyReads) {
  TempDir tmp("run");
  small_search(tmp);
  const auto r = run_dynamite("config.yaml", tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Search finished"), std::string::npos) << r.out;
  for (const char* p : {"output/all_models.ecsv", "output/models", "output/plots", "dynamite.log"})
    EXPECT_TRUE(fs::exists(tmp / p)) << p;
  const auto t = dynamite::search::AllModels::read(tmp / "output/all_models.ecsv", names());
  ASSERT_GE(t.rows().size(), 3u);
  for (const auto& row : t.rows()) {
    EXPECT_TRUE(row.all_done);
    EXPECT_TRUE(fs::exists(tmp / "output/models" / row.directory / "orbit_weights.ecsv")) << row.directory;
  }
  const char* py = std::getenv("DYNAMITE_PYTHON") ? std::getenv("DYNAMITE_PYTHON") : "/usr/bin/python3";
  if (run_command(std::string(py) + " -c 'import astropy'").exit_code != 0) GTEST_SKIP() << "no astropy";
  const auto a = run_command(std::string(py) + " -c \"from astropy.table import Table; t=Table.read('" +
                             (tmp / "output/all_models.ecsv").string() +
                             "'); print(','.join(t.colnames)); print(len(t), t['which_iter'].dtype, t['all_done'].dtype)\"");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_NE(a.out.find("m-bh,a-bh,c-dh,f-dh,q-stars,p-stars,u-stars,ml,chi2,kinchi2,kinmapchi2,time_modified,"
                       "orblib_done,weights_done,all_done,which_iter,directory"),
            std::string::npos)
      << a.out;
  EXPECT_NE(a.out.find("int64 bool"), std::string::npos) << a.out;
}

TEST(RunCli, KilledRunContinuesAndEndsWithTheSameTable) {
  TempDir whole("run-whole"), killed("run-killed");
  small_search(whole);
  small_search(killed);
  ASSERT_EQ(run_dynamite("run config.yaml", whole.path()).exit_code, 0);
  // Start, wait until the first model is finished, then SIGKILL in the middle of iteration 0/1.
  const std::string cmd = "'" + dynamite::testing::dynamite_executable() + "' run config.yaml >/dev/null 2>&1 & pid=$!; "
                          "for i in $(seq 1 600); do grep -q True output/all_models.ecsv 2>/dev/null && break; sleep 0.02; done; "
                          "kill -9 $pid; wait $pid 2>/dev/null; true";
  run_command(cmd, killed.path());
  const auto partial = dynamite::search::AllModels::read(killed / "output/all_models.ecsv", names());
  long done = 0;
  for (const auto& r : partial.rows()) done += r.all_done;
  EXPECT_GE(done, 1);
  EXPECT_LT(done, static_cast<long>(partial.rows().size())) << "the kill came too late to interrupt the iteration";
  const auto again = run_dynamite("run config.yaml", killed.path());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto a = dynamite::search::AllModels::read(whole / "output/all_models.ecsv", names());
  const auto b = dynamite::search::AllModels::read(killed / "output/all_models.ecsv", names());
  ASSERT_EQ(a.rows().size(), b.rows().size());
  for (std::size_t i = 0; i < a.rows().size(); ++i) {
    EXPECT_EQ(a.rows()[i].par, b.rows()[i].par) << i;
    EXPECT_EQ(a.rows()[i].chi2, b.rows()[i].chi2) << i;
    EXPECT_EQ(a.rows()[i].kinchi2, b.rows()[i].kinchi2) << i;
    EXPECT_EQ(a.rows()[i].directory, b.rows()[i].directory) << i;
    EXPECT_EQ(a.rows()[i].which_iter, b.rows()[i].which_iter) << i;
    EXPECT_TRUE(b.rows()[i].all_done);
  }
}

TEST(RunCli, UserTestConfigOfTheOriginalEndToEnd) {
  DYNAMITE_REQUIRE_SHARED(shared);
  TempDir tmp("run-ml");
  fs::copy_file(shared / "data/configs/user_test_config_ml.yaml", tmp / "user_test_config_ml.yaml");
  fs::create_directory_symlink(shared / "data/NGC6278_input", tmp / "NGC6278_input");
  const auto r = run_dynamite("user_test_config_ml.yaml", tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The original's output tree: output/models/, output/plots/, the table, dynamite.log.
  for (const char* p : {"NGC6278_output/models", "NGC6278_output/plots", "NGC6278_output/all_models.ecsv", "dynamite.log"})
    EXPECT_TRUE(fs::exists(tmp / p)) << p;
  const auto t = dynamite::search::AllModels::read(tmp / "NGC6278_output/all_models.ecsv",
                                                   {"m-bh", "a-bh", "c-dh", "f-dh", "q-stars", "p-stars", "u-stars", "ml"});
  // LegacyGridSearch on ml (5, step 4, within 1..9): iteration 0 = ml 5, iteration 1 = ml 1 and 9; n_max_mods 3.
  ASSERT_EQ(t.rows().size(), 3u);
  EXPECT_EQ(t.rows()[0].par.back(), 5.0);
  EXPECT_EQ(t.rows()[1].par.back(), 1.0);
  EXPECT_EQ(t.rows()[2].par.back(), 9.0);
  EXPECT_EQ(t.rows()[1].which_iter, 1);
  EXPECT_EQ(t.rows()[2].directory, "orblib_000_000/ml09.00/");
  EXPECT_NEAR(t.rows()[0].chi2 / 161713.86235521015, 1.0, 0.10);
  EXPECT_NEAR(t.rows()[1].chi2 / 42418.83576862558, 1.0, 0.10);
  EXPECT_NEAR(t.rows()[2].chi2 / 137996.62182152038, 1.0, 0.10);
  EXPECT_TRUE(fs::exists(tmp / "NGC6278_output/models/orblib_000_000/ml05.00/user_test_config_ml.yaml"));
}
