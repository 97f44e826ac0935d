// Generators against sequences worked out by hand from the original's rules, with a synthetic chi2
// (x - 7)^2 + 2 (y - 1)^2 in place of models.
#include <gtest/gtest.h>

#include <cmath>

#include "dynamite/core/error.hpp"
#include "dynamite/search/generator.hpp"
#include "test_support.hpp"

using namespace dynamite;
using namespace dynamite::search;

namespace {

config::Parameter param(const std::string& name, double value, double lo, double hi, double step, double minstep) {
  config::Parameter p;
  p.name = p.short_name = name;
  p.raw_value = value;
  config::GeneratorSettings g;
  g.lo = lo, g.hi = hi, g.step = step, g.minstep = minstep;
  p.generator = g;
  return p;
}

config::ParameterSpaceSettings settings(const std::string& type) {
  config::ParameterSpaceSettings s;
  s.generator_type = type;
  s.which_chi2 = "chi2";
  s.threshold_del_chi2 = 0.5;
  s.min_delta_chi2_abs = 0.1;
  s.n_max_mods = 100;
  s.n_max_iter = 20;
  return s;
}

double chi2(const std::vector<double>& p) { return (p[0] - 7) * (p[0] - 7) + 2 * (p[1] - 1) * (p[1] - 1); }

using Iterations = std::vector<std::vector<std::vector<double>>>;

/// Run generate + evaluate until the generator stops; the models of each iteration in order.
Iterations run(ParameterGenerator& g, AllModels& t, int max_calls = 50) {
  for (int call = 0; call < max_calls; ++call) {
    const auto st = g.generate(t);
    for (auto& r : t.rows())
      if (std::isnan(r.chi2)) r.chi2 = chi2(r.par);
    if (st.stop) break;
  }
  Iterations it(t.max_iter() + 1);
  for (const auto& r : t.rows()) it[r.which_iter].push_back(r.par);
  return it;
}

const ParsetValidity always = [](const std::vector<double>&) { return true; };

}  // namespace

TEST(Generators, LegacyGridSearchSequenceAndStop) {
  std::vector<config::Parameter> p{param("x", 4, 0, 10, 2, 0.5), param("y", 2, 0, 4, 1, 0.5)};
  auto g = make_generator(p, settings("LegacyGridSearch"), always);
  AllModels t({"x", "y"});
  const auto it = run(*g, t);
  const Iterations expected = {{{4, 2}},
                               {{2, 2}, {6, 2}, {4, 1}, {4, 3}},
                               {{8, 2}, {6, 1}, {6, 3}},
                               {{8, 1}, {6, 0}}};
  EXPECT_EQ(it, expected);
  // Iteration 4 proposes nothing: the best chi2 did not improve by min_delta_chi2_abs (1 -> 1).
}

TEST(Generators, LegacyGridSearchHalvesStepsWhenStuck) {
  // Threshold 0: only the best model is expanded; once its neighbours exist, the steps halve.
  std::vector<config::Parameter> p{param("x", 7, 5, 9, 2, 0.5), param("y", 1, 1, 1.0000001, 1, 1)};
  p[1].fixed = true;
  auto s = settings("LegacyGridSearch");
  s.threshold_del_chi2 = 0;
  s.min_delta_chi2_abs = -1e9;  // never stop on chi2 (a worse chi2 gives a negative delta)
  s.n_max_iter = 4;
  auto g = make_generator(p, s, always);
  AllModels t({"x", "y"});
  const auto it = run(*g, t);
  ASSERT_GE(it.size(), 3u);
  EXPECT_EQ(it[1], (std::vector<std::vector<double>>{{5, 1}, {9, 1}}));
  EXPECT_EQ(it[2], (std::vector<std::vector<double>>{{6, 1}, {8, 1}}));  // step 2 -> 1
}

TEST(Generators, GridWalkProposesTheNeighbourhoodFirstParameterFastest) {
  std::vector<config::Parameter> p{param("x", 4, 0, 10, 2, 0.5), param("y", 2, 0, 4, 1, 0.5)};
  auto s = settings("GridWalk");
  s.n_max_iter = 1;
  auto g = make_generator(p, s, always);
  AllModels t({"x", "y"});
  const auto it = run(*g, t);
  ASSERT_EQ(it.size(), 2u);
  EXPECT_EQ(it[1], (std::vector<std::vector<double>>{{2, 1}, {4, 1}, {6, 1}, {2, 2}, {6, 2}, {2, 3}, {4, 3}, {6, 3}}));
}

TEST(Generators, FullGridCoversTheBoxAndClips) {
  std::vector<config::Parameter> p{param("x", 4, 0, 10, 3, 0.5), param("y", 2, 0, 4, 2, 0.5)};
  auto s = settings("FullGrid");
  s.n_max_iter = 1;
  auto g = make_generator(p, s, always);
  AllModels t({"x", "y"});
  const auto it = run(*g, t);
  // x: 4, 1, 0 (clipped), 7, 10 (clipped); y: 2, 0, 4 -> 15 points, the centre already exists.
  ASSERT_EQ(it.size(), 2u);
  EXPECT_EQ(it[1].size(), 14u);
  EXPECT_EQ(it[1][0], (std::vector<double>{1, 2}));
  EXPECT_EQ(it[1][3], (std::vector<double>{10, 2}));
  EXPECT_EQ(it[1].back(), (std::vector<double>{10, 4}));
}

TEST(Generators, SpecificModelsListAndCartesian) {
  std::vector<config::Parameter> p{param("x", 4, 0, 10, 2, 0.5), param("y", 2, 0, 4, 1, 0.5)};
  p[0].generator->specific_values = std::vector<double>{1, 2};
  p[1].generator->specific_values = std::vector<double>{3, 4};
  auto s = settings("SpecificModels");
  s.specific_models_mode = "cartesian";
  AllModels t({"x", "y"});
  run(*make_generator(p, s, always), t);
  std::vector<std::vector<double>> got;
  for (const auto& r : t.rows()) got.push_back(r.par);
  EXPECT_EQ(got, (std::vector<std::vector<double>>{{1, 3}, {1, 4}, {2, 3}, {2, 4}}));
  s.specific_models_mode = "list";
  AllModels t2({"x", "y"});
  run(*make_generator(p, s, always), t2);
  ASSERT_EQ(t2.rows().size(), 2u);
  EXPECT_EQ(t2.rows()[1].par, (std::vector<double>{2, 4}));
}

TEST(Generators, InvalidParsetsAreSkippedAndNMaxModsStops) {
  std::vector<config::Parameter> p{param("x", 4, 0, 10, 2, 0.5), param("y", 2, 0, 4, 1, 0.5)};
  auto s = settings("GridWalk");
  s.n_max_mods = 5;
  auto g = make_generator(p, s, [](const std::vector<double>& v) { return v[0] != 6; });
  AllModels t({"x", "y"});
  const auto it = run(*g, t);
  for (const auto& r : t.rows()) EXPECT_NE(r.par[0], 6.0);
  EXPECT_EQ(it.size(), 2u);  // iteration 2 never starts: 1 + 5 rows >= n_max_mods
}

TEST(AllModelsTable, RoundTripAndAstropyColumns) {
  dynamite::testing::TempDir tmp("table");
  AllModels t({"m-bh", "ml"});
  ModelRow r;
  r.par = {1e5, 5};
  r.chi2 = 161946.7, r.kinchi2 = 126517.5;
  r.time_modified = utc_timestamp();
  r.orblib_done = r.weights_done = r.all_done = true;
  r.which_iter = 1;
  r.directory = "orblib_001_000/ml05.00/";
  t.rows().push_back(r);
  ModelRow empty;
  empty.par = {1e6, 4};
  t.rows().push_back(empty);
  t.write(tmp / "all_models.ecsv");
  const auto back = AllModels::read(tmp / "all_models.ecsv", {"m-bh", "ml"});
  ASSERT_EQ(back.rows().size(), 2u);
  EXPECT_EQ(back.rows()[0].directory, r.directory);
  EXPECT_EQ(back.rows()[0].chi2, r.chi2);
  EXPECT_TRUE(back.rows()[0].all_done);
  EXPECT_TRUE(std::isnan(back.rows()[1].chi2));
  EXPECT_EQ(back.rows()[1].directory, "");
  EXPECT_THROW(AllModels::read(tmp / "all_models.ecsv", {"q-stars", "ml"}), InputError);
}
