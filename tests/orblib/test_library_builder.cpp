#include <gtest/gtest.h>
#include <mpi.h>

#include <numeric>

#include "builder_fixture.hpp"
#include "test_support.hpp"

using namespace dynamite::orblib;
using namespace dynamite::orblib::testfix;

namespace {
struct MpiGuard {
  MpiGuard() { dynamite::testing::ensure_mpi_initialised(); }
};
}  // namespace

TEST(LibraryBuilder, MemberNumberingFollowsTheOriginal) {
  LibrarySettings s = small_settings();
  std::vector<StartPoint> tubes, boxes;
  make_start_spaces(s, tubes, boxes);
  auto b = make_builder(s);
  // Bundle 0-based b = 5 -> (E, I2, I3) = (1, 3, 2) 1-based with I3 fastest (nI3 = 2, nI2 = 4);
  // member 1 (0-based) -> d3 = 2, so the start point is (i, j, k) = (1, 5, 4) on the dithered grid.
  auto m = b.member_starts(5, tubes);
  ASSERT_EQ(m.size(), 8u);
  EXPECT_EQ(m[0].i, 1);
  EXPECT_EQ(m[0].j, 5);
  EXPECT_EQ(m[0].k, 3);
  EXPECT_EQ(m[1].k, 4);
  EXPECT_EQ(m[2].j, 6);
  EXPECT_EQ(m[4].i, 2);
}

TEST(LibraryBuilder, BundlesAreNormalisedAndDeterministic) {
  MpiGuard mpi;
  LibrarySettings s = small_settings();
  std::vector<StartPoint> tubes, boxes;
  make_start_spaces(s, tubes, boxes);
  auto builder = make_builder(s);
  const auto lib = builder.build(MPI_COMM_SELF, tubes, boxes, nullptr);
  ASSERT_EQ(lib.tube.n_bundles, 24);
  ASSERT_EQ(lib.box.n_bundles, 24);
  const int nc = lib.grid.n_cells();
  for (const BundleSet* set : {&lib.tube, &lib.box}) {
    for (int b = 0; b < set->n_bundles; ++b) {
      double mass = 0;
      for (int c = 0; c < nc; ++c) mass += set->density(b, c);
      EXPECT_NEAR(mass, 1.0, 1e-12);
      double light = 0;
      for (int a = 0; a < set->losvd[0].n_apertures; ++a) light += set->losvd[0].aperture_mass(b, a);
      EXPECT_GT(light, 0.0);
      EXPECT_LE(light, 1.0 + 1e-12);
    }
  }
  // The same seed gives the same library; another seed moves the PSF offsets and sampling phase.
  const auto again = make_builder(s).build(MPI_COMM_SELF, tubes, boxes, nullptr);
  EXPECT_EQ(lib.tube.losvd[0].values, again.tube.losvd[0].values);
  EXPECT_EQ(lib.box.qgrid, again.box.qgrid);
  s.seed = 7;
  const auto other = make_builder(s).build(MPI_COMM_SELF, tubes, boxes, nullptr);
  EXPECT_NE(lib.tube.losvd[0].values, other.tube.losvd[0].values);
}

TEST(LibraryBuilder, FailedOrbitsAreFlaggedAndContributeNoLight) {
  MpiGuard mpi;
  LibrarySettings s = small_settings();
  std::vector<StartPoint> tubes, boxes;
  make_start_spaces(s, tubes, boxes);
  // Fail every box orbit starting beyond x = 2.5e14 km.
  auto builder = make_builder(s, 2.5e14);
  std::vector<FailedOrbit> failed;
  const auto lib = builder.build(MPI_COMM_SELF, tubes, boxes, &failed);
  long n_flagged = std::accumulate(lib.box.member_failed.begin(), lib.box.member_failed.end(), 0L);
  long n_tube_flagged = std::accumulate(lib.tube.member_failed.begin(), lib.tube.member_failed.end(), 0L);
  EXPECT_GT(n_flagged, 0);
  EXPECT_EQ(static_cast<long>(failed.size()), n_flagged + n_tube_flagged);
  ASSERT_FALSE(failed.empty());
  EXPECT_NE(failed[0].reason.find("member"), std::string::npos);
  // A bundle with failed members has less than unit mass: the missing members are not replaced.
  for (int b = 0; b < lib.box.n_bundles; ++b) {
    int nf = 0;
    for (int m = 0; m < lib.box.members; ++m) nf += lib.box.member_failed[b * lib.box.members + m];
    double mass = 0;
    for (int c = 0; c < lib.grid.n_cells(); ++c) mass += lib.box.density(b, c);
    EXPECT_NEAR(mass, 1.0 - static_cast<double>(nf) / lib.box.members, 1e-12);
  }
}

TEST(LibraryBuilder, OrbitsIntegratedInPairsGiveTheSameLibraryAsOneByOne) {
  MpiGuard mpi;
  LibrarySettings s = small_settings();
  std::vector<StartPoint> tubes, boxes;
  make_start_spaces(s, tubes, boxes);
  auto calls = std::make_shared<int>(0);
  // Orbits beyond x = 1.5e14 km fail their first attempt (and are retried alone at a tenth of the
  // tolerance), box orbits beyond 2.5e14 km fail every attempt.
  std::vector<FailedOrbit> failed_single, failed_pair;
  const auto single = make_flaky_builder(s, nullptr).build(MPI_COMM_SELF, tubes, boxes, &failed_single);
  const auto paired = make_flaky_builder(s, calls).build(MPI_COMM_SELF, tubes, boxes, &failed_pair);
  // Two bundles of 8 members at a time: 8 pairs per two bundles, 2 x 24 bundles.
  EXPECT_EQ(*calls, 8 * 24);
  expect_same_library(paired, single);
  ASSERT_EQ(failed_pair.size(), failed_single.size());
  EXPECT_GT(failed_pair.size(), 0u);
  for (std::size_t k = 0; k < failed_pair.size(); ++k) EXPECT_EQ(failed_pair[k].reason, failed_single[k].reason);
  // Orbits whose first attempt failed but whose retry succeeded are not flagged: only those
  // beyond 2.5e14 km are.
  long retried_ok = 0, hopeless = 0;
  for (const auto* space : {&tubes, &boxes})
    for (const auto& p : *space) retried_ok += p.w[0] > 1.5e14 && p.w[0] <= 2.5e14, hopeless += p.w[0] > 2.5e14;
  EXPECT_GT(retried_ok, 0);
  long flagged = 0;
  for (const auto* set : {&paired.tube, &paired.box})
    flagged += std::accumulate(set->member_failed.begin(), set->member_failed.end(), 0L);
  EXPECT_EQ(flagged, hopeless);
}

TEST(LibraryBuilder, PairsAcrossBundlesAndKindsGiveTheSameLibrary) {
  // One member per bundle and an odd number of bundles: pairs join two bundles, and one pair joins the
  // last box bundle with the first tube bundle.
  MpiGuard mpi;
  LibrarySettings s = small_settings();
  s.nE = 3, s.nI2 = 3, s.nI3 = 3, s.dithering = 1;
  std::vector<StartPoint> tubes, boxes;
  make_start_spaces(s, tubes, boxes);
  auto calls = std::make_shared<int>(0);
  const auto single = make_flaky_builder(s, nullptr).build(MPI_COMM_SELF, tubes, boxes, nullptr);
  const auto paired = make_flaky_builder(s, calls).build(MPI_COMM_SELF, tubes, boxes, nullptr);
  EXPECT_EQ(*calls, 27);  // 54 orbits, two at a time
  expect_same_library(paired, single);
}

TEST(LibraryBuilder, PackUnpackRoundTrip) {
  BundleResult r;
  r.qgrid = {1.0, 2.5};
  r.losvd.push_back({{0, 3}, {2, 1}, {0.1, 0.2, 0.3}});
  r.member_type = {3, 4};
  r.member_failed = {0, 1};
  r.classification = {1, 2, 3, 4, 5};
  r.notreg = 1;
  r.eiii = {2, 3, 4};
  r.failures = {"box bundle 3 member 2: energy error"};
  r.seconds = 0.5;
  const auto back = unpack(pack(r));
  EXPECT_EQ(back.qgrid, r.qgrid);
  EXPECT_EQ(back.losvd[0].values, r.losvd[0].values);
  EXPECT_EQ(back.losvd[0].first, r.losvd[0].first);
  EXPECT_EQ(back.eiii, r.eiii);
  EXPECT_EQ(back.failures, r.failures);
  EXPECT_EQ(back.notreg, 1);
}


#include <fstream>
#include <iterator>

#include "dynamite/core/error.hpp"
#include "dynamite/orblib/library_file.hpp"
#include "test_support.hpp"

namespace {
std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
}  // namespace

TEST(LibraryFile, RoundTripAndDeterministicBytes) {
  MpiGuard mpi;
  LibrarySettings s = small_settings();
  std::vector<StartPoint> tubes, boxes;
  make_start_spaces(s, tubes, boxes);
  auto lib = make_builder(s).build(MPI_COMM_SELF, tubes, boxes, nullptr);
  lib.provenance = "test";
  dynamite::testing::TempDir tmp("h5");
  write_library(tmp / "a.h5", lib);
  write_library(tmp / "b.h5", lib);
  EXPECT_EQ(file_bytes(tmp / "a.h5"), file_bytes(tmp / "b.h5"));
  EXPECT_FALSE(std::filesystem::exists(tmp / "a.h5.tmp"));
  const auto back = read_library(tmp / "a.h5");
  EXPECT_EQ(back.nE, lib.nE);
  EXPECT_EQ(back.kinematic_set_names, lib.kinematic_set_names);
  EXPECT_EQ(back.tube.eiii, lib.tube.eiii);
  EXPECT_EQ(back.box.member_type, lib.box.member_type);
  EXPECT_EQ(back.tube.losvd[0].first, lib.tube.losvd[0].first);
  EXPECT_EQ(back.tube.losvd[0].offset, lib.tube.losvd[0].offset);
  ASSERT_EQ(back.tube.qgrid.size(), lib.tube.qgrid.size());
  for (std::size_t i = 0; i < lib.tube.qgrid.size(); ++i)
    EXPECT_NEAR(back.tube.qgrid[i], lib.tube.qgrid[i], 1e-7 * std::abs(lib.tube.qgrid[i]) + 1e-300);
  for (std::size_t i = 0; i < lib.box.losvd[0].values.size(); ++i)
    EXPECT_NEAR(back.box.losvd[0].values[i], lib.box.losvd[0].values[i], 1e-7 * lib.box.losvd[0].values[i]);
  std::ofstream(tmp / "bad.h5") << "not an hdf5 file";
  EXPECT_THROW(read_library(tmp / "bad.h5"), dynamite::InputError);
  EXPECT_THROW(read_library(tmp / "missing.h5"), dynamite::InputError);
}
