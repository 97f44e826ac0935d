#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "dynamite/core/error.hpp"
#include "dynamite/store/model_store.hpp"
#include "test_support.hpp"

using namespace dynamite;

TEST(ModelStore, RoundTripKeepsEverything) {
  dynamite::testing::TempDir tmp("store");
  store::ModelResult r;
  r.parameter_names = {"m-bh", "a-bh", "ml"};
  r.parameter_values = {1e5, 0.001, 5.0};
  r.chi2 = 161946.7287;
  r.kinchi2 = 126517.4744;
  r.kinmapchi2 = std::numeric_limits<double>::quiet_NaN();
  r.weights = {0.0, 1.5e-3, 2.0};
  r.solver = "lawson-hanson";
  r.solver_status = "converged";
  r.success = true;
  r.ml = 5;
  r.velocity_scale = 1;
  r.orblib_directory = "orblib_000_000";
  r.config_text = "system_attributes:\n  name: NGC6278\n";
  r.version = "0.1.0";
  store::write_model_result(tmp / "model.h5", r);
  EXPECT_FALSE(std::filesystem::exists(tmp / "model.h5.tmp"));
  const auto back = store::read_model_result(tmp / "model.h5");
  EXPECT_EQ(back.parameter_names, r.parameter_names);
  EXPECT_EQ(back.parameter_values, r.parameter_values);
  EXPECT_EQ(back.weights, r.weights);
  EXPECT_EQ(back.chi2, r.chi2);
  EXPECT_TRUE(std::isnan(back.kinmapchi2));
  EXPECT_EQ(back.config_text, r.config_text);
  EXPECT_TRUE(back.success);
}

TEST(ModelStore, CorruptOrMissingFilesGiveInputErrors) {
  dynamite::testing::TempDir tmp("store");
  EXPECT_THROW(store::read_model_result(tmp / "none.h5"), InputError);
  std::ofstream(tmp / "bad.h5") << "not hdf5";
  try {
    store::read_model_result(tmp / "bad.h5");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.h5"), std::string::npos);
  }
}
