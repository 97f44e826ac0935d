// The weights command on the imported reference library, as a user runs it: the regularisation of
// LegacyWeightSolver (the original's Fortran-only second-difference rows).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <regex>

#include "test_support.hpp"

namespace fs = std::filesystem;
using dynamite::testing::import_reference_library;
using dynamite::testing::run_dynamite;
using dynamite::testing::TempDir;

namespace {

/// The shared reference configuration with its weight-solver type, NNLS solver and regularisation replaced.
fs::path solver_config(const TempDir& tmp, const fs::path& shared, const std::string& name, const std::string& type,
                       const std::string& regularisation, const std::string& nnls_solver = "scipy") {
  const fs::path base = shared / "data/configs/user_test_config_ml.yaml";
  std::ifstream in(base);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (auto [from, to] : {std::pair<std::string, std::string>{"type: \"NNLS\"", "type: \"" + type + "\""},
                          {"regularisation: 0\n", "regularisation: " + regularisation + "\n"},
                          {"nnls_solver: 'scipy'", "nnls_solver: '" + nnls_solver + "'"}}) {
    const auto p = s.find(from);
    EXPECT_NE(p, std::string::npos) << from;
    if (p != std::string::npos) s.replace(p, from.size(), to);
  }
  std::ofstream(tmp / name) << s;
  if (!fs::exists(tmp / "NGC6278_input")) fs::create_directory_symlink(shared / "data/NGC6278_input", tmp / "NGC6278_input");
  return tmp / name;
}

double json_number(const std::string& out, const std::string& key) {
  std::smatch m;
  const std::regex re("\"" + key + "\": ([-+0-9.eE]+)");
  if (!std::regex_search(out, m, re)) {
    ADD_FAILURE() << "no " << key << " in " << out;
    return 0;
  }
  return std::stod(m[1]);
}

}  // namespace

TEST(WeightsCli, LegacySolverRegularisesAndNnlsIgnoresIt) {
  DYNAMITE_REQUIRE_SHARED(shared);
  TempDir tmp("weights_reg");
  const auto imp = import_reference_library(tmp, shared);
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  struct Run {
    double chi2, kinchi2;
    std::string log;
  };
  auto solve = [&](const std::string& type, const std::string& reg, const std::string& out) {
    const auto cfg = solver_config(tmp, shared, out + ".yaml", type, reg);
    const auto r = run_dynamite("weights '" + cfg.string() + "' --orblib lib.h5 --ml 5 -o " + out + " --json", tmp.path());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Run{json_number(r.out, "chi2"), json_number(r.out, "kinchi2"), r.out + r.err};
  };
  const Run plain = solve("LegacyWeightSolver", "0", "plain");
  const Run strong = solve("LegacyWeightSolver", "1e-4", "strong");
  const Run faint = solve("LegacyWeightSolver", "1e12", "faint");
  const Run nnls = solve("NNLS", "1e-4", "nnls");
  // The original's unregularised optimum (nnls_system_ml05.00.h5) is 161946.7287.
  EXPECT_NEAR(plain.chi2 / 161946.7287, 1.0, 1e-6);  // our MGE masses: the last digits differ
  EXPECT_EQ(plain.log.find("second-difference rows"), std::string::npos);
  // Regularisation rows are extra non-negative terms: the optimum can only grow, and they count in
  // kinchi2 too (the original's Legacy chi2 sums every row after the aperture masses).
  EXPECT_NE(strong.log.find("second-difference rows added"), std::string::npos) << strong.log;
  EXPECT_GT(strong.chi2, plain.chi2 * 1.001);
  EXPECT_GT(strong.kinchi2 - plain.kinchi2, 0.0);
  // A huge value makes the rows' errors huge: the unregularised fit comes back.
  EXPECT_NEAR(faint.chi2 / plain.chi2, 1.0, 1e-6);
  // NNLS ignores the setting, as in the original, and says so.
  EXPECT_NEAR(nnls.chi2, plain.chi2, 1e-6 * plain.chi2);
  EXPECT_NE(nnls.log.find("is ignored"), std::string::npos) << nnls.log;
}

TEST(WeightsCli, EveryNnlsSolverReachesTheOriginalsOptimum) {
  DYNAMITE_REQUIRE_SHARED(shared);
  TempDir tmp("weights_solvers");
  const auto imp = import_reference_library(tmp, shared);
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  for (const std::string solver : {"scipy", "tao", "normal_equations"}) {
    const auto cfg = solver_config(tmp, shared, solver + ".yaml", "NNLS", "0", solver);
    const auto r = run_dynamite("weights '" + cfg.string() + "' --orblib lib.h5 --ml 5 -o " + solver + " --json", tmp.path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    SCOPED_TRACE(solver + ": " + r.out);
    EXPECT_NEAR(json_number(r.out, "chi2") / 161946.7287, 1.0, 1e-6);  // nnls_system_ml05.00.h5's optimum
    if (solver != "scipy") {  // the solver named in the JSON
      EXPECT_NE(r.out.find(solver == "tao" ? "normal-equations" : "\"normal-equations\""), std::string::npos);
    }
  }
}
