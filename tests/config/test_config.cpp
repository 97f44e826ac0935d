#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "dynamite/config/config.hpp"
#include "dynamite/core/error.hpp"
#include "test_support.hpp"

using namespace dynamite;
namespace fs = std::filesystem;

namespace {
fs::path broken(const std::string& c) {
  return dynamite::testing::source_dir() / "tests/data/broken" / c / "config.yaml";
}
}  // namespace

TEST(Config, ParameterOrderNamesAndSettings) {
  const auto c = config::Config::load(broken("valid_base"));
  EXPECT_EQ(c.parameter_names(),
            (std::vector<std::string>{"m-bh", "a-bh", "c-dh", "f-dh", "q-stars", "p-stars", "u-stars", "ml"}));
  EXPECT_DOUBLE_EQ(c.parameters()[0].par_value(), 1e8);
  EXPECT_EQ(c.parameters()[7].sformat, "05.2f");
  EXPECT_EQ(c.orblib().nE, 4);
  EXPECT_DOUBLE_EQ(c.orblib().accuracy, 1e-5);
  EXPECT_EQ(c.orblib().quad_nr, 10);  // default
  EXPECT_EQ(c.weight_solver().number_GH.value(), 4);
  EXPECT_EQ(c.n_obs(), 16);  // 4 bins x number_GH 4
  EXPECT_DOUBLE_EQ(c.parameter_space().threshold_del_chi2, 0.5);
  EXPECT_EQ(c.io().input_directory, (broken("valid_base").parent_path() / "../input_base/").lexically_normal());
  EXPECT_EQ(c.visible().kinematics.size(), 1u);
  EXPECT_EQ(c.halo()->type, config::ComponentType::NFW);
  // A parset is checked by the original's rules.
  auto raw = c.start_raw_values();
  EXPECT_EQ(c.parset_problem(raw), "");
  raw[7] = -1;  // negative ml
  EXPECT_NE(c.parset_problem(raw).find("ml"), std::string::npos);
  raw = c.start_raw_values();
  raw[5] = 0.5;  // p < q: cannot be deprojected
  EXPECT_NE(c.parset_problem(raw).find("cannot be deprojected"), std::string::npos);
}

TEST(Config, ReferenceModelAnglesAndThreshold) {
  DYNAMITE_REQUIRE_SHARED(shared);
  dynamite::testing::TempDir tmp("cfg");
  fs::copy_file(shared / "data/configs/user_test_config_ml.yaml", tmp / "c.yaml");
  fs::create_directory_symlink(shared / "data/NGC6278_input", tmp / "NGC6278_input");
  const auto c = config::Config::load(tmp / "c.yaml");
  EXPECT_NEAR(c.viewing_angles().theta_deg, 82.444308859, 1e-8);
  EXPECT_NEAR(c.viewing_angles().phi_deg, 84.245110877, 1e-8);
  EXPECT_NEAR(c.viewing_angles().psi_deg, 90.021481540, 1e-8);
  EXPECT_EQ(c.n_obs(), 152 * 4);
  EXPECT_NEAR(c.parameter_space().threshold_del_chi2, 0.1 * std::sqrt(2.0 * 608), 1e-12);
  // hist_* given as strings in the config are used as numbers.
  EXPECT_EQ(c.visible().kinematics[0].histogram.bins, 203);
  EXPECT_NEAR(c.visible().kinematics[0].histogram.width, 2719.8215332031, 1e-9);
  // GH_sys_err '0.0 0.0 0.0 0.0 0.3 ...': h3, h4 errors unchanged (systematics 0).
  EXPECT_DOUBLE_EQ(c.visible().kinematics[0].gh->dh[0][0], 0.005);
  EXPECT_FALSE(c.notices().empty());  // legacy_settings notice
}

TEST(Config, ErrorsCarryFileKeyAndLine) {
  try {
    config::Config::load(broken("wrong_type"));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.where(), "orblib_settings.nE");
    EXPECT_EQ(e.line(), 44);
    EXPECT_NE(e.file().string().find("wrong_type"), std::string::npos);
  }
  EXPECT_THROW(config::Config::load(broken("chi2ext_unsupported")), NotSupportedError);
}

TEST(Config, RegularisationIsReadForTheLegacySolverAndReportedAsIgnoredByNnls) {
  // valid_base with regularisation, its input directory made absolute, once per solver type.
  std::ifstream in(broken("valid_base"));
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string base = ss.str();
  auto load_with = [&](const std::string& solver_lines) {
    std::string text = base;
    auto replace = [&](const std::string& from, const std::string& to) {
      const auto at = text.find(from);
      EXPECT_NE(at, std::string::npos) << from;
      if (at != std::string::npos) text.replace(at, from.size(), to);
    };
    replace("type: NNLS\n", solver_lines);
    replace("../input_base/", (broken("valid_base").parent_path() / "../input_base/").lexically_normal().string());
    dynamite::testing::TempDir tmp("cfg_reg");
    std::ofstream(tmp / "config.yaml") << text;
    return config::Config::load(tmp / "config.yaml");
  };
  auto reported_ignored = [](const config::Config& c) {
    for (const auto& n : c.notices())
      if (n.find("regularisation = 0.5") != std::string::npos && n.find("ignored") != std::string::npos) return true;
    return false;
  };
  const auto legacy = load_with("type: LegacyWeightSolver\n    regularisation: 0.5\n");
  EXPECT_DOUBLE_EQ(legacy.weight_solver().regularisation.value(), 0.5);
  EXPECT_FALSE(reported_ignored(legacy));
  const auto nnls = load_with("type: NNLS\n    regularisation: 0.5\n");
  EXPECT_DOUBLE_EQ(nnls.weight_solver().regularisation.value(), 0.5);
  EXPECT_TRUE(reported_ignored(nnls));
}
