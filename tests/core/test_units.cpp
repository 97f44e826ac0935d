#include <gtest/gtest.h>

#include "dynamite/core/error.hpp"
#include "dynamite/core/units.hpp"

using namespace dynamite;

TEST(Units, ConstantsMatchTheOriginal) {
  EXPECT_NEAR(units::G, 1.3274608977599997e11, 1e-4);
  EXPECT_NEAR(units::parsec_km / 3.0856775810788379e13, 1.0, 1e-15);
  EXPECT_NEAR(units::arcsec_to_km(1.0) / 1.4959787068117206e14, 1.0, 1e-14);
  EXPECT_NEAR(units::rho_crit() / 4.6275876e-48, 1.0, 1e-7);
}

TEST(Errors, InputErrorNamesFileLineAndPath) {
  InputError e("cfg.yaml", "system_components.stars.parameters.q.value", 17, "expected a number");
  EXPECT_EQ(std::string(e.what()),
            "cfg.yaml:17: system_components.stars.parameters.q.value: expected a number");
  EXPECT_EQ(e.line(), 17);
}

#include "dynamite/core/logging.hpp"

TEST(Logging, FileNamesFollowTheOriginal) {
  logging::Options o;
  o.directory = "/tmp/x";
  EXPECT_EQ(logging::logfile_path(o)->string(), "/tmp/x/dynamite.log");
  o.logfile = "run1";
  EXPECT_EQ(logging::logfile_path(o)->string(), "/tmp/x/run1.log");
  o.logfile = "timestamp";
  const std::string ts = logging::logfile_path(o)->filename().string();
  EXPECT_EQ(ts.size(), std::string("dynamite20261122-144210123456.log").size()) << ts;
  EXPECT_EQ(ts.rfind("dynamite20", 0), 0u);
  o.no_logfile = true;
  EXPECT_FALSE(logging::logfile_path(o).has_value());
  EXPECT_THROW(logging::parse_level("verbose", "--console-level"), InputError);
  EXPECT_EQ(logging::parse_level("WARNING", "x"), spdlog::level::warn);
}
