// `dynamite_mpi validate`: every broken config or input of tests/data/broken exits 2 with a message
// naming the problem and writes nothing; the shipped configs of the original validate (or name the
// unsupported feature); the reference model's viewing angles are printed.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <regex>

#include "test_support.hpp"

namespace fs = std::filesystem;
using dynamite::testing::run_dynamite;
using dynamite::testing::snapshot_tree;
using dynamite::testing::TempDir;

namespace {
struct Case {
  std::string dir, expect;
};
std::vector<Case> read_cases(const fs::path& file) {
  std::vector<Case> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto bar = line.find(" | ");
    out.push_back({line.substr(0, bar), line.substr(bar + 3)});
  }
  return out;
}
}  // namespace

TEST(ValidateCli, BrokenCorpusExitsTwoNamesTheProblemAndWritesNothing) {
  TempDir tmp("broken");
  fs::copy(dynamite::testing::source_dir() / "tests/data/broken", tmp.path(), fs::copy_options::recursive);
  const auto cases = read_cases(tmp / "cases.txt");
  ASSERT_GE(cases.size(), 25u);
  const std::string before = snapshot_tree(tmp.path());
  for (const auto& c : cases) {
    const auto r = run_dynamite("validate config.yaml", tmp / c.dir);
    EXPECT_EQ(r.exit_code, 2) << c.dir << ": " << r.out << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.dir << ": expected '" << c.expect << "' in: " << r.err;
    EXPECT_EQ(r.out.find("The configuration is valid"), std::string::npos) << c.dir;
  }
  EXPECT_EQ(snapshot_tree(tmp.path()), before) << "validate wrote or deleted something";
  const auto ok = run_dynamite("validate config.yaml", tmp / "valid_base");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("The configuration is valid"), std::string::npos);
}

TEST(ValidateCli, MissingConfigFileIsAnInputError) {
  TempDir tmp("noconf");
  const auto r = run_dynamite("validate nothing.yaml", tmp.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nothing.yaml"), std::string::npos) << r.err;
}

TEST(ValidateCli, HelpAndVersion) {
  const auto h = run_dynamite("--help");
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("validate"), std::string::npos);
  const auto v = run_dynamite("--version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("dynamite_mpi"), std::string::npos);
  EXPECT_EQ(run_dynamite("no-such-command").exit_code, 2);
}

// The original's example configs, each copied beside its input data as its relative
// input_directory expects.
TEST(ValidateCli, ShippedConfigsOfTheOriginal) {
  DYNAMITE_REQUIRE_SHARED(shared);
  const std::map<std::string, std::string> expected_failure = {
      {"NGC4550_bayeslosvd_config.yaml", "does not exist"},  // its data are not shipped
      {"bartest.yaml", "BarDiskComponent components are not supported yet"},
      {"user_test_config_ml_gas.yaml", "Chi2Ext components are not supported yet"}};
  int validated = 0;
  for (const auto& e : fs::directory_iterator(shared / "data/configs")) {
    if (e.path().extension() != ".yaml") continue;
    TempDir tmp("cfg");
    fs::copy_file(e.path(), tmp / e.path().filename().string());
    const YAML::Node y = YAML::LoadFile(e.path().string());
    std::string in = y["io_settings"]["input_directory"].as<std::string>();
    while (!in.empty() && in.back() == '/') in.pop_back();
    const fs::path data = shared / "data" / fs::path(in).begin()->string();
    if (fs::is_directory(data)) {
      fs::create_directories((tmp / in).parent_path());
      fs::create_directory_symlink(data, tmp / in);
    }
    const std::string before = snapshot_tree(tmp.path());
    const auto r = run_dynamite("validate " + e.path().filename().string(), tmp.path());
    const std::string name = e.path().filename().string();
    if (auto it = expected_failure.find(name); it != expected_failure.end()) {
      EXPECT_EQ(r.exit_code, 2) << name;
      EXPECT_NE(r.err.find(it->second), std::string::npos) << name << ": " << r.err;
    } else {
      EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
      ++validated;
    }
    EXPECT_EQ(snapshot_tree(tmp.path()), before) << name;
  }
  EXPECT_GE(validated, 9);
}

TEST(ValidateCli, ReferenceModelViewingAngles) {
  DYNAMITE_REQUIRE_SHARED(shared);
  TempDir tmp("angles");
  fs::copy_file(shared / "data/configs/user_test_config_ml.yaml", tmp / "c.yaml");
  fs::create_directory_symlink(shared / "data/NGC6278_input", tmp / "NGC6278_input");
  const auto r = run_dynamite("validate c.yaml", tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("theta = 82.444308859, phi = 84.245110877, psi = 90.021481540"), std::string::npos) << r.out;
}
