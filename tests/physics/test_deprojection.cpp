#include <gtest/gtest.h>

#include "dynamite/physics/deprojection.hpp"

using namespace dynamite;

// The NGC6278 reference model (q = 0.54, p = 0.99, u = 0.9999 with the flattest Gaussian of
// mge_pot, q' = 0.55205) gives the angles the original wrote into parameters_pot.in.
TEST(Deprojection, ReferenceModelViewingAngles) {
  const double qobs = 0.55097;  // min q' of NGC6278 mge.ecsv
  auto a = physics::viewing_angles_from_pqu(0.99, 0.54, 0.9999, qobs);
  ASSERT_TRUE(a.has_value());
  EXPECT_NEAR(a->theta_deg, 82.444308859, 1e-8);
  EXPECT_NEAR(a->phi_deg, 84.245110877, 1e-8);
  EXPECT_NEAR(a->psi_deg, 90.021481540, 1e-8);
}

TEST(Deprojection, ImpossibleShapesAreRejected) {
  EXPECT_FALSE(physics::viewing_angles_from_pqu(0.5, 0.6, 0.9, 0.55).has_value());   // q > p
  EXPECT_FALSE(physics::viewing_angles_from_pqu(0.9, 0.3, 0.5, 0.55).has_value());   // u < p
  EXPECT_FALSE(physics::viewing_angles_from_pqu(0.9, 0.9, 0.95, 0.55).has_value());  // p == q
  EXPECT_FALSE(physics::viewing_angles_from_pqu(1.0, 0.5, 1.0, 0.55).has_value());   // p = 1
}

// Round trip: deprojecting an untwisted MGE at the angles derived from (p, q, u) must give back
// p and q for the flattest Gaussian and u for all of them (the defining property of the angles).
TEST(Deprojection, RoundTripRecoversShapeOfFlattestGaussian) {
  const double p = 0.9, q = 0.5, u = 0.95, qobs = 0.55;
  auto a = physics::viewing_angles_from_pqu(p, q, u, qobs);
  ASSERT_TRUE(a.has_value());
  // The document's test model: (0.9, 0.5, 0.95) -> (78.874, 44.085, 91.671) for the NGC6278 MGE.
  io::Mge mge({{100.0, 1.0, qobs, 0.0}, {50.0, 5.0, 0.8, 0.0}});
  auto g = physics::deproject(mge, *a);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_NEAR(g[0].p, p, 1e-10);
  EXPECT_NEAR(g[0].q, q, 1e-10);
  EXPECT_NEAR(g[0].u, u, 1e-10);
  EXPECT_NEAR(g[0].sigma_intr, 1.0 / u, 1e-10);
  EXPECT_GT(g[1].q, g[0].q);  // the rounder Gaussian deprojects rounder
  EXPECT_LE(g[1].q, g[1].p);
}

TEST(Deprojection, SuggestionNamesValidRanges) {
  const std::string s = physics::suggest_pqu(0.55097);
  EXPECT_NE(s.find("Suggested start values"), std::string::npos) << s;
  EXPECT_NE(s.find("u = 0.9"), std::string::npos);
}
