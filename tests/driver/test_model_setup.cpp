// The potential specification derived from a configuration equals what the original wrote into
// parameters_pot.in for the NGC6278 reference model.
#include <gtest/gtest.h>

#include "dynamite/driver/model_setup.hpp"
#include "test_support.hpp"

using namespace dynamite;
namespace fs = std::filesystem;

TEST(ModelSetup, PotentialSpecEqualsTheOriginalsParameterFile) {
  DYNAMITE_REQUIRE_SHARED(shared);
  dynamite::testing::TempDir tmp("setup");
  const auto cfg = config::Config::load(dynamite::testing::shared_config(tmp, shared));
  const auto ours = driver::potential_spec(cfg, cfg.start_raw_values());
  const auto ref = physics::read_legacy_parameters_pot(shared / "reference-outputs/NGC6278_ml654/infil/parameters_pot.in");
  ASSERT_EQ(ours.mge.size(), ref.mge.size());
  for (std::size_t j = 0; j < ref.mge.size(); ++j) {
    EXPECT_DOUBLE_EQ(ours.mge.gaussians()[j].surface_density, ref.mge.gaussians()[j].surface_density);
    EXPECT_DOUBLE_EQ(ours.mge.gaussians()[j].sigma_arcsec, ref.mge.gaussians()[j].sigma_arcsec);
    EXPECT_DOUBLE_EQ(ours.mge.gaussians()[j].q_obs, ref.mge.gaussians()[j].q_obs);
  }
  EXPECT_DOUBLE_EQ(ours.angles.theta_deg, ref.angles.theta_deg);
  EXPECT_DOUBLE_EQ(ours.angles.phi_deg, ref.angles.phi_deg);
  EXPECT_DOUBLE_EQ(ours.angles.psi_deg, ref.angles.psi_deg);
  EXPECT_DOUBLE_EQ(ours.distance_mpc, ref.distance_mpc);
  EXPECT_DOUBLE_EQ(ours.ml, ref.ml);
  EXPECT_DOUBLE_EQ(ours.bh_mass, ref.bh_mass);
  EXPECT_DOUBLE_EQ(ours.bh_softening_arcsec, ref.bh_softening_arcsec);
  EXPECT_EQ(ours.halo.type, ref.halo.type);
  ASSERT_EQ(ours.halo.params.size(), 2u);
  EXPECT_NEAR(ours.halo.params[0], ref.halo.params[0], 1e-9);
  EXPECT_NEAR(ours.halo.params[1], ref.halo.params[1], 1e-12);
  EXPECT_DOUBLE_EQ(ours.logrmin, ref.logrmin);
  EXPECT_DOUBLE_EQ(ours.logrmax, ref.logrmax);
}
