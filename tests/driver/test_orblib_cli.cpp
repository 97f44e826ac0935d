// The orblib and import-legacy commands as a user runs them.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "dynamite/orblib/library_file.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using dynamite::testing::run_dynamite;
using dynamite::testing::TempDir;

namespace {
/// The bundled example with a smaller library so the test stays quick.
fs::path small_example(const TempDir& tmp) {
  fs::copy(dynamite::testing::source_dir() / "examples/NGC6278", tmp.path(), fs::copy_options::recursive);
  std::ifstream in(tmp / "config.yaml");
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (auto [from, to] : {std::pair<std::string, std::string>{"sampling: 20000", "sampling: 2000"},
                          {"orbital_periods: 200", "orbital_periods: 20"}, {"nE: 4", "nE: 2"}}) {
    const auto p = s.find(from);
    if (p != std::string::npos) s.replace(p, from.size(), to);
  }
  std::ofstream(tmp / "config.yaml") << s;
  return tmp / "config.yaml";
}
}  // namespace

TEST(OrblibCli, BuildsTheLibraryAndBeginFiles) {
  TempDir tmp("orblib");
  small_example(tmp);
  const auto r = run_dynamite("orblib config.yaml", tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const fs::path dir = tmp / "output/models/orblib_000_000";
  EXPECT_TRUE(fs::exists(dir / "datfil/begin.dat"));
  EXPECT_TRUE(fs::exists(dir / "datfil/beginbox.dat"));
  const auto lib = dynamite::orblib::read_library(dir / "orblib.h5");
  EXPECT_EQ(lib.nE, 2);
  EXPECT_EQ(lib.tube.n_bundles, 2 * 4 * 3);
  EXPECT_EQ(lib.tube.losvd[0].n_apertures, 152);
  EXPECT_EQ(lib.random_seed, 4242);
  for (int b = 0; b < lib.box.n_bundles; ++b) {
    double m = 0;
    for (int c = 0; c < lib.grid.n_cells(); ++c) m += lib.box.density(b, c);
    EXPECT_NEAR(m, 1.0, 1e-6);  // float32 storage
  }
  EXPECT_NE(r.out.find("failed orbits: 0"), std::string::npos) << r.out;
}

TEST(OrblibCli, StartConditionsOnly) {
  TempDir tmp("orbstart");
  small_example(tmp);
  const auto r = run_dynamite("orblib config.yaml --start-conditions-only", tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(tmp / "output/models/orblib_000_000/datfil/begin.dat"));
  EXPECT_FALSE(fs::exists(tmp / "output/models/orblib_000_000/orblib.h5"));
}

TEST(ImportLegacyCli, ConvertsTheReferenceLibrary) {
  DYNAMITE_REQUIRE_SHARED(shared);
  TempDir tmp("import");
  const auto r = dynamite::testing::import_reference_library(tmp, shared);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("120 tube + 120 box bundles"), std::string::npos) << r.out;
  const auto lib = dynamite::orblib::read_library(tmp / "lib.h5");
  EXPECT_EQ(lib.box.n_bundles, 120);
  const auto bad = run_dynamite("import-legacy '" + tmp.path().string() + "'", tmp.path());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("datfil"), std::string::npos) << bad.err;
}
